"""From stored routes and holidays to round plans: which plan a night follows, and its rounds."""
import datetime

from houqin.models import Holiday, Place, Route, RouteStop
from houqin.patrol.rounds import RoundPlan, is_holiday, rounds_for_night


def normal_plan(route):
    """The route's rounds on ordinary nights."""
    return RoundPlan.from_values(route.shift_start, route.shift_end, route.rounds or (), route.every_minutes,
                                 route.grace_minutes)


def holiday_plan(route):
    """The route's rounds on holidays and school breaks (the normal ones when it has none of its own)."""
    plan = route.holiday_plan
    if not plan:
        return normal_plan(route)
    return RoundPlan.from_values(plan.get('shift_start', route.shift_start), plan.get('shift_end', route.shift_end),
                                 plan.get('rounds') or (), plan.get('every_minutes') or route.every_minutes,
                                 plan.get('grace_minutes', route.grace_minutes))


def campus_holidays(campus_id, around=None, days=60):
    """(first, last) date ranges of the campus's holidays, optionally only those near a date."""
    # The campus calendar also holds make-up working days (kind 'makeup'): those nights are ordinary.
    query = Holiday.select(Holiday.starts_on, Holiday.ends_on).where((Holiday.campus == campus_id)
                                                                     & (Holiday.kind == 'holiday'))
    if around is not None:
        margin = datetime.timedelta(days=days)
        query = query.where((Holiday.ends_on >= around - margin) & (Holiday.starts_on <= around + margin))
    return [(h.starts_on, h.ends_on) for h in query]


def plan_chooser(route, holidays):
    """night -> (RoundPlan, is_holiday) for a route, given the campus's holiday ranges."""
    normal = normal_plan(route)
    special = holiday_plan(route)
    weekdays = (route.holiday_plan or {}).get('weekdays') or ()

    def choose(night):
        holiday = is_holiday(night, holidays, weekdays)
        return (special if holiday else normal), holiday
    return choose


def route_rounds(route, night, holidays, zone):
    """The rounds of one night on a route."""
    plan, holiday = plan_chooser(route, holidays)(night)
    return rounds_for_night(night, plan, zone, holiday)


def route_stops(route_id):
    """The route's stops in order, with their places."""
    return list(RouteStop.select(RouteStop, Place).join(Place).where(RouteStop.route == route_id)
                .order_by(RouteStop.position, RouteStop.id))




def active_routes(campus_id):
    """The campus's active routes, by name."""
    return list(Route.select().where((Route.campus == campus_id) & (Route.active == True))  # noqa: E712
                .order_by(Route.name, Route.id))
