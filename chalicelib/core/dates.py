"""Dates as CloudStack shows them. Pure."""
from __future__ import annotations

from datetime import datetime


def cloudstack_date(iso: str) -> str:
    """`2026-11-27T11:07:57.123Z` -> `2026-11-27T11:07:57+0000` (CloudStack's yyyy-MM-dd'T'HH:mm:ssZ)."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")
