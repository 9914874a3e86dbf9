"""Hygiene scores by class and week, and the rotating banner (卫生流动锦旗). No Flask here; times are naive UTC.

A class's score per check is the points of one scored checklist record (卫生检查) on its classroom (the place's
school_class), worked out from the record's answers and the checklist's items. A week (Monday to Sunday, campus
time) ranks the classes of each grade by the average of their checks that week. Ranks are shared on a tie
(1, 1, 3); the banner goes to the best average of the grade, to every class that shares it, and to none in a
grade where no class was checked. Classes without a check that week are listed after the ranked ones, unranked.
"""
import dataclasses
import datetime

from houqin.checklists.answers import score
from houqin.clock import monday_of, to_local, week_bounds, zone_name
from houqin.models import ChecklistItem, Place, Record, SchoolClass
from houqin.scores.classes import campus_classes, class_key, grade_key


@dataclasses.dataclass
class CheckScore:
    """One scored check of one class."""
    class_id: int
    record_id: int
    at: datetime.datetime
    score: float
    max_score: float


@dataclasses.dataclass
class ClassWeek:
    """One class's week: its checks, their average, its rank in the grade and whether it holds the banner."""
    school_class: SchoolClass
    checks: list
    rank: int = None
    banner: bool = False

    @property
    def average(self):
        return round(sum(c.score for c in self.checks) / len(self.checks), 1) if self.checks else None

    @property
    def max_score(self):
        return max((c.max_score for c in self.checks), default=None)


@dataclasses.dataclass
class GradeWeek:
    """One grade's table for a week, ranked."""
    grade: str
    rows: list

    @property
    def banner(self):
        return [row for row in self.rows if row.banner]


def check_scores(campus, start, end):
    """CheckScores of the scored records on the campus's classes' places in [start, end), oldest first."""
    rows = (Record.select(Record.id, Record.created_at, Record.template, Record.answers, Place.school_class)
            .join(Place, on=(Record.place == Place.id))
            .where((Record.campus == campus) & Place.school_class.is_null(False) & Record.template.is_null(False)
                   & (Record.created_at >= start) & (Record.created_at < end))
            .order_by(Record.created_at, Record.id).tuples())
    rows = list(rows)
    items = {}
    for item in ChecklistItem.select().where(ChecklistItem.template.in_({r[2] for r in rows} or {0})):
        items.setdefault(item.template_id, []).append(item)
    out = []
    for record_id, at, template_id, answers, class_id in rows:
        values = (answers or {}).get('values') if isinstance(answers, dict) else None
        points, possible = score(items.get(template_id, []), values if isinstance(values, dict) else {})
        if points is None:  # a checklist without points (not a scored check)
            continue
        out.append(CheckScore(class_id, record_id, at, points, possible))
    return out


def rank(rows):
    """Rank ClassWeeks by average, best first, ties sharing a rank; the best average holds the banner."""
    checked = sorted([r for r in rows if r.checks], key=lambda r: (-r.average, class_key(r.school_class)))
    unchecked = sorted([r for r in rows if not r.checks], key=lambda r: class_key(r.school_class))
    for position, row in enumerate(checked):
        row.rank = checked[position - 1].rank if position and row.average == checked[position - 1].average \
            else position + 1
        row.banner = row.average == checked[0].average
    return checked + unchecked


def week_tables(campus, monday):
    """[GradeWeek] of the week starting monday: the campus's active classes and any class checked that week."""
    start, end = week_bounds(monday, zone_name(campus))
    scores = check_scores(campus, start, end)
    by_class = {}
    for check in scores:
        by_class.setdefault(check.class_id, []).append(check)
    classes = [c for c in campus_classes(campus) if c.active or c.id in by_class]
    grades = {}
    for school_class in classes:
        grades.setdefault(school_class.grade, []).append(ClassWeek(school_class, by_class.get(school_class.id, [])))
    return [GradeWeek(grade, rank(rows)) for grade, rows in sorted(grades.items(), key=lambda kv: grade_key(kv[0]))]


def first_scored_week(campus):
    """The Monday of the campus's first week with a check of a class's place (None without any)."""
    first = (Record.select(Record.created_at).join(Place, on=(Record.place == Place.id))
             .where((Record.campus == campus) & Place.school_class.is_null(False) & Record.template.is_null(False))
             .order_by(Record.created_at).first())
    if first is None:
        return None
    return monday_of(to_local(first.created_at, zone_name(campus)).date())
