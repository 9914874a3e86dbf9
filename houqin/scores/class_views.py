"""Classes (班级): list, add and edit them, with their grade, head teacher and classroom."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from peewee import IntegrityError
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from houqin.audit import log_change, snapshot
from houqin.db import write_transaction
from houqin.models import Place, SchoolClass
from houqin.permissions import requires
from houqin.scores.classes import (campus_classes, classroom_choices, classrooms_of, grade_from_name,
                                   grade_key, head_teacher_choices, set_classroom)
from houqin.vocab import select_choices
from houqin.web import campus_or_404, int_or_none

bp = Blueprint('classes', __name__, url_prefix='/admin/classes')


def choice_id(value):
    """A select box's id: 0 for none, -1 for anything that is no id (refused by the form's own check)."""
    number = int_or_none(value, 0)
    return -1 if number is None else number


class ClassForm(FlaskForm):
    name = StringField(_l('Class'), validators=[DataRequired(_l('Please enter the class, e.g. 初一(3)班.')),
                                                Length(max=30)],
                       description=_l('As the school writes it, e.g. 初一(3)班.'))
    grade = StringField(_l('Grade'), validators=[Length(max=20)],
                        description=_l('Classes are ranked within their grade; empty: taken from the class name.'))
    head_teacher = SelectField(_l('Head teacher'), coerce=choice_id, validate_choice=False)
    classroom = SelectField(_l('Classroom'), coerce=choice_id, validate_choice=False,
                            description=_l('Hygiene checks of this classroom count for this class.'))
    active = BooleanField(_l('Active (uncheck for a class that has left)'), default=True)

    def __init__(self, *args, school_class=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_class = school_class
        self.head_teacher.choices = select_choices([(0, _('(none)'))] + head_teacher_choices(g.campus))
        self.classroom.choices = select_choices([(0, _('(none)'))] + classroom_choices(g.campus))

    def validate_name(self, field):
        name = field.data.strip()
        if '\r' in name or '\n' in name:
            raise ValidationError(_('Please write the class on one line.'))
        clash = SchoolClass.select().where((SchoolClass.campus == g.campus) & (SchoolClass.name == name))
        if self.school_class:
            clash = clash.where(SchoolClass.id != self.school_class.id)
        if clash.exists():
            raise ValidationError(_('There is already a class %(name)s.', name=name))

    def validate_grade(self, field):
        if not (field.data or '').strip() and not grade_from_name(self.name.data or ''):
            raise ValidationError(_('Please enter the grade: it cannot be read from the class name.'))

    def validate_head_teacher(self, field):
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_('Please choose someone on this campus.'))

    def validate_classroom(self, field):
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_('Please choose a classroom of this campus.'))


def apply_class_form(form, school_class):
    """Copy the form's values onto a class."""
    school_class.name = form.name.data.strip()
    school_class.grade = (form.grade.data or '').strip() or grade_from_name(school_class.name)
    school_class.head_teacher = form.head_teacher.data or None
    school_class.active = form.active.data


@bp.route('/')
@requires('admin.view')
def index():
    """The campus's classes by grade, with classroom and head teacher."""
    classes = campus_classes(g.campus)
    grades = {}
    for school_class in classes:
        grades.setdefault(school_class.grade, []).append(school_class)
    return render_template('scores/classes.html', grades=sorted(grades.items(), key=lambda kv: grade_key(kv[0])),
                           rooms=classrooms_of(g.campus), total=len(classes))


@bp.route('/new', methods=['GET', 'POST'])
@requires('classes.manage')
def new():
    """Add a class, optionally with its classroom."""
    form = ClassForm()
    if form.validate_on_submit():
        school_class = SchoolClass(campus=g.campus)
        apply_class_form(form, school_class)
        try:
            with write_transaction():
                school_class.save()
                set_classroom(school_class, form.classroom.data)
                log_change('create', school_class, summary=school_class.name)
        except IntegrityError:  # a parallel save took the name between the check and the insert
            form.name.errors.append(_('There is already a class %(name)s.', name=school_class.name))
        else:
            flash(_('Added %(name)s.', name=school_class.name), 'success')
            return redirect(url_for('classes.index'))
    return render_template('scores/class_form.html', form=form, school_class=None), 400 if form.errors else 200


@bp.get('/<int:class_id>')
@requires('admin.view')
def edit(class_id):
    """One class: its details and classroom, editable for those allowed."""
    school_class = campus_or_404(SchoolClass, class_id)
    form = ClassForm(obj=school_class, school_class=school_class)
    form.head_teacher.data = school_class.head_teacher_id or 0
    room = (Place.select(Place.id).where((Place.school_class == school_class) & (Place.kind == 'classroom'))
            .order_by(Place.id).first())
    form.classroom.data = room.id if room else 0
    return render_class(form, school_class)


@bp.post('/<int:class_id>')
@requires('classes.manage')
def save(class_id):
    """Save a class's details and classroom."""
    school_class = campus_or_404(SchoolClass, class_id)
    form = ClassForm(school_class=school_class)
    if form.validate_on_submit():
        before = snapshot(school_class)
        apply_class_form(form, school_class)
        try:
            with write_transaction():
                school_class.save()
                set_classroom(school_class, form.classroom.data)
                log_change('update', school_class, before=before, summary=school_class.name)
        except IntegrityError:  # a parallel save took the name between the check and the update
            form.name.errors.append(_('There is already a class %(name)s.', name=form.name.data.strip()))
        else:
            flash(_('Saved.'), 'success')
            return redirect(url_for('classes.edit', class_id=school_class.id))
    return render_class(form, school_class), 400


def render_class(form, school_class):
    """The class page with its form and the places that belong to it."""
    places = list(Place.select(Place.id, Place.name, Place.kind).where(Place.school_class == school_class))
    return render_template('scores/class_form.html', form=form, school_class=school_class, places=places)
