"""The time business records are stamped with.

Always the real time, except inside `travel()`, which the demo generator uses to write a past
year through the same actions users use. Nothing a user can reach sets it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_moment: ContextVar[dt.datetime | None] = ContextVar("gongxiao_clock", default=None)


def now() -> dt.datetime:
    return _moment.get() or timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


@contextmanager
def travel(moment: dt.datetime) -> Iterator[None]:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)
