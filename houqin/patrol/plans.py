"""From stored routes and the campus calendar to round plans: which plan a night follows, and its rounds."""
from houqin.models import Place, Route, RouteStop
from houqin.patrol.rounds import RoundPlan, rounds_for_night
from houqin.routines.schedule import Calendar
from houqin.routines.service import campus_calendar, request_cached


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


def patrol_calendar(campus_id):
    """The campus calendar patrol follows: the one routines keep (terms, holidays, make-up working days), read once
    a request (routines.service.campus_calendar)."""
    return request_cached(('calendar', campus_id), lambda: campus_calendar(campus_id))


def holiday_night(night, cal, weekdays=()):
    """True when a night follows the holiday plan: a holiday, a school break (a night outside the calendar's terms,
    when it has terms) or one of the route's holiday weekdays; never a make-up working day (调休上班), which is a
    working day and follows the weekday plan."""
    if cal.makeup_weekday(night) is not None:
        return False
    return night.weekday() in set(weekdays or ()) or cal.is_holiday(night) or not cal.in_term(night)


def as_calendar(calendar):
    """A Calendar from a Calendar, or from bare (first, last) holiday ranges (the pure tests' shorthand)."""
    return calendar if isinstance(calendar, Calendar) else Calendar(holidays=tuple(calendar or ()))


def plan_chooser(route, calendar):
    """night -> (RoundPlan, is_holiday) for a route, given the campus calendar (or bare holiday ranges)."""
    normal = normal_plan(route)
    special = holiday_plan(route)
    weekdays = (route.holiday_plan or {}).get('weekdays') or ()
    cal = as_calendar(calendar)

    def choose(night):
        holiday = holiday_night(night, cal, weekdays)
        return (special if holiday else normal), holiday
    return choose


def route_rounds(route, night, calendar, zone):
    """The rounds of one night on a route."""
    plan, holiday = plan_chooser(route, calendar)(night)
    return rounds_for_night(night, plan, zone, holiday)


def route_stops(route_id):
    """The route's stops in order, with their places."""
    return list(RouteStop.select(RouteStop, Place).join(Place).where(RouteStop.route == route_id)
                .order_by(RouteStop.position, RouteStop.id))


def active_routes(campus_id):
    """The campus's active routes, by name."""
    return list(Route.select().where((Route.campus == campus_id) & (Route.active == True))  # noqa: E712
                .order_by(Route.name, Route.id))
