"""What the crew records on the road: sales from the truck, produce bought by the jin, inputs delivered
against pre-orders, services, the stop closed and the trip ended with its mileage."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongxiao.caravan import actions
from gongxiao.caravan.models import PreOrder, ProducePurchase, ServiceRecord, Trip, TripStop
from gongxiao.caravan.testing import fleet
from gongxiao.commerce.models import Document, Payment, StockBalance
from gongxiao.commerce.stock import on_hand
from gongxiao.core.testing import make_ric
from gongxiao.members.models import Member

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(dt.datetime(2022, 6, 7, 9, 30))


@pytest.fixture
def trucks(county):
    return fleet(county)


def _stop(trip, position):
    return TripStop.objects.select_related("trip__vehicle__location").get(trip=trip, position=position)


def test_a_sale_is_a_confirmed_truck_sale_from_the_trucks_stock(trucks):
    # given
    stop = _stop(trucks.trip_a, 1)
    # when
    sale = actions.record_sale(
        trucks.crew_a,
        stop,
        [actions.SaleLine(trucks.soap.pk, Decimal("4")), actions.SaleLine(trucks.rice.pk, Decimal("1"))],
        Payment.Method.MOBILE,
        member_id=trucks.farmer_a.pk,
        at=AT,
    )
    # then
    document = sale.document
    assert document.kind == Document.Kind.SALE
    assert document.status == Document.Status.CONFIRMED
    assert document.channel == Document.Channel.TRUCK
    assert document.location == trucks.goods_a.location
    assert document.total_amount == Decimal("43.90")  # 4 × 3.50 + 29.90
    assert [(p.method, p.amount) for p in document.payments.all()] == [("mobile", Decimal("43.90"))]
    assert on_hand(trucks.goods_a.location, trucks.soap) == Decimal("96")
    stop.refresh_from_db()
    assert stop.status == TripStop.Status.MADE and stop.arrived_at == AT
    assert Trip.objects.get(pk=trucks.trip_a.pk).status == Trip.Status.UNDERWAY


def test_a_sale_beyond_the_trucks_stock_is_refused_and_writes_nothing(trucks):
    stop = _stop(trucks.trip_a, 1)
    with pytest.raises(ValidationError) as refused:
        actions.record_sale(trucks.crew_a, stop, [actions.SaleLine(trucks.rice.pk, Decimal("21"))], "cash")
    assert "大米" in refused.value.messages[0]
    assert "20" in refused.value.messages[0]
    assert not Document.objects.filter(kind=Document.Kind.SALE).exists()
    assert TripStop.objects.get(pk=stop.pk).status == TripStop.Status.PLANNED


def test_produce_is_bought_by_the_jin_and_kept_in_kg(trucks):
    # given: 12.35 jin of eggs at 8.15 yuan a jin = 100.6525 → 100.65 yuan; 60 paid in cash
    stop = _stop(trucks.trip_a2, 1)
    # when
    purchase = actions.record_purchase(
        trucks.crew_a2,
        stop,
        product_id=trucks.eggs.pk,
        weight_jin=Decimal("12.35"),
        price_per_jin=Decimal("8.15"),
        payment_method=Payment.Method.CASH,
        paid_amount=Decimal("60"),
        member_id=trucks.farmer_b.pk,
        at=AT,
    )
    # then
    assert purchase.amount == Decimal("100.65")
    assert purchase.weight_kg == Decimal("6.175")
    document = purchase.document
    assert document.kind == Document.Kind.PURCHASE and document.member == trucks.farmer_b
    line = document.lines.get()
    assert line.quantity == Decimal("6.175") and line.unit_price == Decimal("16.30")
    assert line.amount == Decimal("100.65")
    assert sorted((p.method, p.amount) for p in document.payments.all()) == [
        ("cash", Decimal("60.00")),
        ("credit", Decimal("40.65")),
    ]
    assert on_hand(trucks.produce_a.location, trucks.eggs) == Decimal("6.175")


def test_the_farmers_receipt_shows_the_amount_in_capital_numerals(trucks, county):
    from django.test import Client

    purchase = actions.record_purchase(
        trucks.crew_a2,
        _stop(trucks.trip_a2, 1),
        product_id=trucks.tea.pk,
        weight_jin=Decimal("16.2"),
        price_per_jin=Decimal("20"),
        payment_method="mobile",
        member_id=trucks.farmer_b.pk,
    )
    client = Client()
    client.force_login(trucks.crew_a2)
    page = client.get(f"/caravan/purchases/{purchase.pk}/receipt/?size=58").content.decode()
    assert "叁佰贰拾肆元整" in page  # 16.2 × 20 = 324.00
    assert "李秀英" in page and purchase.document.number in page
    assert make_ric(dt.date(1985, 3, 2), 2) not in page  # the ID number is masked


def test_a_purchase_from_a_non_member_without_details_is_refused(trucks):
    with pytest.raises(ValidationError) as refused:
        actions.record_purchase(
            trucks.crew_a2,
            _stop(trucks.trip_a2, 1),
            product_id=trucks.eggs.pk,
            weight_jin=Decimal("10"),
            price_per_jin=Decimal("8"),
            payment_method="cash",
            new_farmer=actions.NewFarmer(name="", id_number="", phone="", village_id=None),
        )
    assert refused.value.messages  # says to choose the member or register the farmer
    assert not ProducePurchase.objects.exists()
    assert not Document.objects.filter(kind=Document.Kind.PURCHASE, channel="truck").exists()


def test_a_non_member_with_name_id_phone_and_village_is_registered_with_the_purchase(trucks, county):
    farmer = actions.NewFarmer(
        name="吴春花",
        id_number=make_ric(dt.date(1986, 8, 8), 77),
        phone="13957712345",
        village_id=county.village_b.pk,
    )
    purchase = actions.record_purchase(
        trucks.crew_a2,
        _stop(trucks.trip_a2, 1),
        product_id=trucks.eggs.pk,
        weight_jin=Decimal("10"),
        price_per_jin=Decimal("8"),
        payment_method="cash",
        new_farmer=farmer,
    )
    member = Member.objects.get(name="吴春花")
    assert purchase.member == member and purchase.member_created
    assert member.kind == Member.Kind.HOUSEHOLD
    assert member.organization == county.coop_b  # the coop of the village's members, not the truck's
    assert member.village == county.village_b


def test_a_wrong_id_number_of_a_new_farmer_refuses_the_purchase(trucks, county):
    good = make_ric(dt.date(1986, 8, 8), 77)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError):
        actions.record_purchase(
            trucks.crew_a2,
            _stop(trucks.trip_a2, 1),
            product_id=trucks.eggs.pk,
            weight_jin=Decimal("10"),
            price_per_jin=Decimal("8"),
            payment_method="cash",
            new_farmer=actions.NewFarmer(
                name="吴春花", id_number=wrong, phone="13957712345", village_id=county.village_b.pk
            ),
        )
    assert not Member.objects.filter(name="吴春花").exists()
    assert not Document.objects.filter(kind=Document.Kind.PURCHASE, channel="truck").exists()


def test_a_known_id_number_under_another_name_is_refused(trucks, county):
    with pytest.raises(ValidationError) as refused:
        actions.record_purchase(
            trucks.crew_a2,
            _stop(trucks.trip_a2, 1),
            product_id=trucks.eggs.pk,
            weight_jin=Decimal("10"),
            price_per_jin=Decimal("8"),
            payment_method="cash",
            new_farmer=actions.NewFarmer(
                name="冒名",
                id_number=trucks.farmer_b.id_number,
                phone="13957712345",
                village_id=county.village_b.pk,
            ),
        )
    assert "李秀英" in " ".join(refused.value.messages)
    assert not ProducePurchase.objects.exists()


def test_inputs_delivered_against_a_pre_order_close_it(trucks, county):
    order = PreOrder.objects.create(
        organization=county.coop_a,
        village=county.village_a,
        member=trucks.farmer_a,
        customer_name="张建国",
        product=trucks.trade.fertilizer,
        quantity=Decimal("150"),
        created_by=county.clerk_a,
    )
    delivery = actions.record_delivery(
        trucks.crew_a,
        _stop(trucks.trip_a, 1),
        product_id=trucks.trade.fertilizer.pk,
        quantity=Decimal("150"),
        payment_method="cash",
        preorder_id=order.pk,
    )
    order.refresh_from_db()
    assert order.status == PreOrder.Status.DELIVERED and order.delivered_on == trucks.trip_a
    assert delivery.tonnes == Decimal("0.15")
    assert delivery.document.member == trucks.farmer_a
    assert delivery.document.total_amount == Decimal("480.00")  # 150 kg × 3.20
    assert on_hand(trucks.goods_a.location, trucks.trade.fertilizer) == Decimal("350")


@pytest.mark.parametrize(
    "kind,values,ok",
    [
        ("advice", {"topic": "茶园病虫害防治", "people": 12}, True),
        ("advice", {"topic": ""}, False),
        ("gift", {"topic": "土鸡苗", "quantity": 200, "households": 8}, True),
        ("gift", {"topic": "土鸡苗", "quantity": 0, "households": 8}, False),
        ("finance", {"amount": Decimal("50000"), "bank": "县农商银行"}, True),
        ("finance", {"amount": Decimal("50000"), "bank": ""}, False),
    ],
)
def test_services_need_what_their_kind_counts(trucks, kind, values, ok):
    if kind == "finance":
        values = values | {"member_id": trucks.farmer_a.pk}
    if ok:
        record = actions.record_service(trucks.crew_a, _stop(trucks.trip_a, 1), kind, **values)
        assert record.kind == kind
    else:
        with pytest.raises(ValidationError):
            actions.record_service(trucks.crew_a, _stop(trucks.trip_a, 1), kind, **values)
        assert not ServiceRecord.objects.exists()


def test_ending_the_trip_gives_its_mileage_skips_the_stops_never_reached_and_unloads_the_produce(trucks):
    # given: the produce truck buys 20 jin of tea at its first stop
    trip = trucks.trip_a2
    actions.start_trip(trucks.crew_a2, trip, Decimal("10230.5"), AT)
    stop = _stop(trip, 1)
    actions.record_purchase(
        trucks.crew_a2,
        stop,
        product_id=trucks.tea.pk,
        weight_jin=Decimal("20"),
        price_per_jin=Decimal("19"),
        payment_method="cash",
        member_id=trucks.farmer_b.pk,
    )
    actions.close_stop(trucks.crew_a2, stop, 35, AT + dt.timedelta(hours=1))
    # when
    ended = actions.end_trip(
        trucks.crew_a2, Trip.objects.get(pk=trip.pk), Decimal("10318.0"), AT + dt.timedelta(hours=8)
    )
    # then
    assert ended.status == Trip.Status.DONE and ended.distance_km == Decimal("87.5")
    assert list(ended.stops.values_list("status", flat=True)) == ["made", "skipped"]
    assert on_hand(trucks.produce_a.location, trucks.tea) == 0
    assert on_hand(trucks.centre_a.location, trucks.tea) == Decimal("10")
    assert StockBalance.objects.get(location=trucks.centre_a.location, product=trucks.tea).value == Decimal(
        "380.00"
    )


def test_the_odometer_at_the_end_cannot_be_below_the_start(trucks):
    actions.start_trip(trucks.crew_a, trucks.trip_a, Decimal("500"), AT)
    with pytest.raises(ValidationError):
        actions.end_trip(trucks.crew_a, Trip.objects.get(pk=trucks.trip_a.pk), Decimal("499.9"))
    assert Trip.objects.get(pk=trucks.trip_a.pk).status == Trip.Status.UNDERWAY


def test_a_crew_cannot_record_on_another_vehicles_trip(trucks):
    with pytest.raises(ValidationError):
        actions.record_sale(
            trucks.crew_a2, _stop(trucks.trip_a, 1), [actions.SaleLine(trucks.soap.pk, Decimal("1"))], "cash"
        )
    with pytest.raises(ValidationError):
        actions.record_sale(
            trucks.crew_b, _stop(trucks.trip_a, 1), [actions.SaleLine(trucks.soap.pk, Decimal("1"))], "cash"
        )
    assert not Document.objects.filter(kind=Document.Kind.SALE).exists()
