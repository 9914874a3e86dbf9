"""/reports/term: the printable A4 term summary (学期总结) with its charts, against the previous term."""
from flask import Blueprint, g, render_template
from flask_babel import gettext as _

from houqin.permissions import requires
from houqin.reports.charts import bars, legend
from houqin.reports.term import rate, term_report
from houqin.vocab import CATEGORY_LABELS, label

bp = Blueprint('reports', __name__, url_prefix='/reports')


def percent(share):
    """A 0–1 share as a whole percentage, or None."""
    return None if share is None else round(100 * share)


def charts(now, before):
    """The report's three charts."""
    categories = dict(before['repairs']['by_category'])
    mine = dict(now['repairs']['by_category'])
    keys = [k for k in CATEGORY_LABELS if k in mine or k in categories]
    parts_now, parts_before = dict(now['repairs']['parts']), dict(before['repairs']['parts'])
    part_names = sorted(set(parts_now) | set(parts_before), key=lambda n: (-parts_now.get(n, 0), n))[:8]

    def rates(c):
        return (c['cleaning']['rate'], c['hazards']['rate'], percent(c['repairs']['overdue_share']),
                rate(c['patrol']['complete'], c['patrol']['rounds']))
    names = (_('Cleaning on time'), _('Hazards rectified'), _('Repairs overdue'), _('Patrol rounds complete'))
    return [
        bars([(label(CATEGORY_LABELS, k), mine.get(k, 0), categories.get(k, 0)) for k in keys],
             _('Repairs by category')),
        bars([(n, parts_now.get(n, 0), parts_before.get(n, 0)) for n in part_names], _('Parts used')),
        bars([(name, a, b) for name, a, b in zip(names, rates(now), rates(before))], _('Rates (%)'), unit='%'),
    ]


@bp.get('/term')
@requires('reports.view')
def term():
    """This term's counts with charts and the previous term's beside them; prints on A4."""
    now, before = term_report(g.campus)
    return render_template('reports/term.html', now=now, before=before, charts=charts(now, before),
                           legend=legend(now['period'].name, before['period'].name))
