"""Time helpers: UTC in the database, Europe/Amsterdam on screen."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utcnow():
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(timezone.utc)


def to_epoch_ms(dt):
    """Return a datetime as milliseconds since 1970 (for pages and scripts)."""
    return int(dt.timestamp() * 1000)


def from_epoch_ms(ms):
    """Return milliseconds since 1970 as a UTC datetime, or None when absent, negative or out of range."""
    if ms is None or ms < 0:
        return None
    try:
        return datetime.fromtimestamp(ms / 1000, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def local(dt):
    """Return a UTC datetime converted to Europe/Amsterdam for display."""
    if dt is None:
        return None
    return dt.astimezone(AMSTERDAM)
