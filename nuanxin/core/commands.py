"""Shared bits of management commands: the `--at` clock that scheduled jobs accept for replays and tests."""

import datetime

from django.core.management.base import CommandError


def add_clock_argument(parser):
    parser.add_argument("--at", help="The clock as an ISO 8601 date-time with offset (default: now).")


def parse_clock(value):
    """The `--at` value as an aware datetime, None when not given; CommandError when unusable."""
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--at is not an ISO 8601 date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise CommandError("--at needs a time-zone offset, e.g. 2026-03-02T09:00:00+08:00")
    return moment
