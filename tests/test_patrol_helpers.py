"""Shared set-up for the patrol tests: checkpoints with labels on a route, times on the campus clock."""
import datetime as dt
from zoneinfo import ZoneInfo

from houqin.models import Place, Route, RouteStop, Tag
from houqin.tags import new_token

SHANGHAI = ZoneInfo('Asia/Shanghai')


def make_route(campus, names, *, name='夜间巡逻', shift=('22:00', '06:00'), every=120, starts=(), grace=15, walk=0,
               created_at=dt.datetime(2026, 1, 1), holiday_plan=None):
    """A route over new checkpoint places (each with a label); returns (route, [places], [tags], [stops])."""
    route = Route.create(campus=campus, name=name, shift_start=shift[0], shift_end=shift[1], rounds=list(starts),
                         every_minutes=every, grace_minutes=grace, created_at=created_at, holiday_plan=holiday_plan)
    places, tags, stops = [], [], []
    for i, place_name in enumerate(names):
        place = Place.get_or_none((Place.campus == campus) & (Place.name == place_name)) or \
            Place.create(campus=campus, name=place_name, kind='gate', position=100 + i)
        tag = Tag.get_or_none((Tag.place == place) & (Tag.status == 'active')) or \
            Tag.create(token=new_token(), campus=campus, place=place)
        stops.append(RouteStop.create(route=route, place=place, position=i, walk_minutes=walk if i else 0))
        places.append(place)
        tags.append(tag)
    return route, places, tags, stops


def local(day, hour, minute=0, second=0, zone=SHANGHAI):
    """Naive UTC for a wall-clock time on the campus clock (Shanghai unless told)."""
    if hour >= 24:
        day, hour = day + dt.timedelta(days=1), hour - 24
    moment = dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=zone)
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def around_now(now, hours_before=1):
    """A shift window (HH:MM, HH:MM) whose single round started about `hours_before` hours ago, on the campus
    clock, and runs for another hour or more."""
    start = now.replace(tzinfo=dt.timezone.utc).astimezone(SHANGHAI) - dt.timedelta(hours=hours_before)
    start = start.replace(second=0, microsecond=0)
    end = start + dt.timedelta(hours=hours_before + 2)
    return f'{start:%H:%M}', f'{end:%H:%M}'
