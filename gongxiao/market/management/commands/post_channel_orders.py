from django.core.management.base import BaseCommand, CommandError

from gongxiao.commerce.errors import TradeError
from gongxiao.market.actions import post_pending
from gongxiao.market.models import Channel


class Command(BaseCommand):
    help = (
        "把各渠道等待入账的订单（商城推送、展位录入）各记为一张销售单（每天运行一次，例如由 cron 调用）；"
        "以签发推送令牌的用户身份入账。"
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--channel", help="只处理这个渠道编码")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        channels = Channel.objects.filter(is_active=True).select_related("organization", "location")
        if options["channel"]:
            channels = channels.filter(code=options["channel"])
            if not channels.exists():
                raise CommandError(f"没有编码为 {options['channel']} 的有效渠道")
        failed = 0
        for channel in channels.order_by("code"):
            if not channel.lines().pending().exists():
                continue
            user = channel.push_token_user
            if user is None or not user.is_active:
                self.stdout.write(
                    f"{channel.code} {channel}：有待入账订单，但没有签发推送令牌的用户，请在渠道页面入账"
                )
                continue
            try:
                document = post_pending(user, channel)
            except TradeError as exc:
                failed += 1
                self.stdout.write(self.style.ERROR(f"{channel.code} {channel}：{'；'.join(exc.messages)}"))
                continue
            if document is not None:
                self.stdout.write(f"{channel.code} {channel}：{document.number}，{document.total_amount} 元")
        if failed:
            raise CommandError(f"{failed} 个渠道入账失败")
