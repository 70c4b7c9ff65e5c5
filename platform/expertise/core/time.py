"""Time helpers: UTC in the database, Europe/Amsterdam on screen."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utcnow():
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(timezone.utc)


def local(dt):
    """Return a UTC datetime converted to Europe/Amsterdam for display."""
    if dt is None:
        return None
    return dt.astimezone(AMSTERDAM)
