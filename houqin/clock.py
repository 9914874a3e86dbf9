"""Campus-local time: stored times are naive UTC, people read the campus's wall clock (DST-correct).

A local time that does not exist (spring-forward) moves forward by the gap; an ambiguous one (fall-back)
takes its first occurrence — zoneinfo's fold=0 reading does both.
"""
import datetime
from zoneinfo import ZoneInfo

DEFAULT_ZONE = 'Asia/Shanghai'
UTC = datetime.timezone.utc


def zone_name(campus):
    """The campus's time zone name (the default zone when there is no campus)."""
    return (campus.timezone if campus is not None else None) or DEFAULT_ZONE


def utcnow():
    """Now as naive UTC, the way times are stored."""
    return datetime.datetime.now(UTC).replace(tzinfo=None)


def to_local(moment, zone):
    """A stored naive-UTC time as an aware time in the zone."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(str(zone)))


def to_utc(local, zone):
    """A naive wall-clock time in the zone as naive UTC."""
    return local.replace(tzinfo=ZoneInfo(str(zone))).astimezone(UTC).replace(tzinfo=None)


def format_local(moment, zone, fmt='%Y-%m-%d %H:%M'):
    """A stored UTC time written as the zone's wall clock; '' for None."""
    return '' if moment is None else to_local(moment, zone).strftime(fmt)


def today(zone, now=None):
    """Today's date in the zone."""
    return to_local(now or utcnow(), zone).date()


def days_bounds(first, last, zone):
    """(start, end) in naive UTC from local midnight of `first` to local midnight after `last`."""
    start = to_utc(datetime.datetime.combine(first, datetime.time()), zone)
    end = to_utc(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time()), zone)
    return start, end


def day_bounds(day, zone):
    """(start, end) in naive UTC of a local calendar day (23 or 25 hours long across a DST change)."""
    return days_bounds(day, day, zone)


def monday_of(day):
    """The Monday of the (Monday-to-Sunday) week holding a date."""
    return day - datetime.timedelta(days=day.weekday())


def week_bounds(day, zone):
    """(start, end) in naive UTC of the Monday-to-Sunday week holding the local date."""
    monday = monday_of(day)
    return days_bounds(monday, monday + datetime.timedelta(days=6), zone)
