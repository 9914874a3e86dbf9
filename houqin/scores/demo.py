"""The demo school's classes: one per classroom of the teaching building, named as the room is, with the teacher
account as head teacher of its own class."""
from houqin.models import Place, SchoolClass
from houqin.scores.classes import grade_from_name


def build_classes(campus, places, users, head_teacher_room):
    """A class for every classroom (一年级(1)班 …); the classroom coded head_teacher_room gets the teacher account."""
    classes = []
    for place in places.values():
        if place.kind != 'classroom':
            continue
        teacher = users.get('teacher') if place.code == head_teacher_room else None
        school_class = SchoolClass.create(campus=campus, grade=grade_from_name(place.name), name=place.name,
                                          head_teacher=teacher)
        Place.update(school_class=school_class).where(Place.id == place.id).execute()
        place.school_class = school_class
        classes.append(school_class)
    return classes
