"""The weekly hygiene scores by grade (每周卫生评比) with the rotating banner, week by week."""
import datetime

from flask import Blueprint, g, render_template, request

from houqin.permissions import requires
from houqin.clock import monday_of
from houqin.scores.weekly import first_scored_week, week_tables
from houqin.web import bounded_date

bp = Blueprint('scores', __name__, url_prefix='/scores')
WEEK = datetime.timedelta(days=7)


@bp.get('/')
@requires('scores.view')
def weekly():
    """This week's (or ?week=YYYY-MM-DD's) table per grade; links to the week before and after."""
    this_week = monday_of(g.campus.today())
    error = None
    try:
        monday = monday_of(bounded_date(request.args['week'])) if request.args.get('week') else this_week
    except ValueError:
        monday, error = this_week, True
    monday = min(monday, this_week)
    first = first_scored_week(g.campus)
    earlier = monday - WEEK if first is not None and monday > first else None
    later = monday + WEEK if monday < this_week else None
    return render_template('scores/weekly.html', grades=week_tables(g.campus, monday), monday=monday,
                           sunday=monday + datetime.timedelta(days=6), this_week=monday == this_week,
                           earlier=earlier, later=later, error=error), 400 if error else 200
