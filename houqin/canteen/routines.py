"""The canteen's duties as routines (houqin/routines): each meal's samples kept by the meal's end (else missed),
disinfection after every meal (消毒), a teacher eating with pupils (陪餐: who, which meal, a comment) and the
monthly food-safety self-inspection (自检, whose failed items become work orders like any checklist's). The
routines engine gives their slots, the dashboard, 今日任务, `flask houqin compliance` and missed-slot notices."""
from houqin.canteen.samples import meal_at
from houqin.checklists.versions import active_template
from houqin.clock import to_local, utcnow
from houqin.models import Routine
from houqin.routines.schedule import validate

# A meal's samples are kept while it is served; none by the window's end is missed. One routine, a window (a slot)
# per meal: the engine gives a record to one slot only, so lunch's samples never count for a missed breakfast
# (a late breakfast sample counts only until lunch's window opens). A slot's meal is read from its start time.
SAMPLE_ROUTINE = '每餐留样'
MEAL_WINDOWS = [['06:30', '09:00'], ['11:00', '13:30'], ['17:00', '19:30']]   # breakfast, lunch, dinner
DISINFECTION_WINDOWS = [['07:30', '09:30'], ['12:30', '14:30'], ['18:30', '20:30']]  # after each meal
ACCOMPANY_WINDOW = ['11:00', '13:30']   # 陪餐 at lunch
FRIDGE_KIND = 'sample_fridge'
# The canteen's activities recorded through its own pages, not as a checklist at the label (scan.actions).
OWN_ACTIVITIES = ('sample', 'morning_check', 'delivery')


def meal_of(slot):
    """The meal a sample slot is for, by the campus-local hour its window starts ('lunch')."""
    return meal_at(to_local(slot.start, slot.zone))


def sample_specs():
    """The sample routine: a window per meal at every sample fridge, for the canteen staff."""
    return [dict(name=SAMPLE_ROUTINE, activity='sample', target_type='item', target_kind=FRIDGE_KIND,
                 role='canteen', schedule=validate({'type': 'windows', 'windows': MEAL_WINDOWS}))]


def duty_specs(campus, kitchen, dining_room, disinfection=True):
    """消毒 after each meal (the kitchen), 陪餐 at lunch (the dining room, any teacher), 自检 monthly (the kitchen,
    the logistics head), each with the checklist in force for the canteen."""
    specs = []
    if disinfection:
        specs.append(dict(name='餐后消毒', activity='canteen', target_kind='canteen', targets=[kitchen.id],
                          role='canteen', schedule=validate({'type': 'windows', 'windows': DISINFECTION_WINDOWS})))
    specs += [
        dict(name='陪餐', activity='accompany', target_kind='canteen', targets=[dining_room.id], role='teacher',
             schedule=validate({'type': 'windows', 'windows': [ACCOMPANY_WINDOW]}),
             template=active_template(campus, 'canteen', 'accompany')),
        dict(name='食堂月自检', activity='self_inspection', target_kind='canteen', targets=[kitchen.id],
             role='manager', schedule=validate({'type': 'monthly'}), calendar='every_day',
             template=active_template(campus, 'canteen', 'self_inspection')),
    ]
    return specs


def add_canteen_routines(campus, kitchen, dining_room, *, disinfection=True, created_at=None):
    """Create the canteen's routines on a campus (the demo, a school setting up); returns them."""
    created_at = created_at or utcnow()
    campus_id = campus if isinstance(campus, int) else campus.id
    made = []
    for spec in sample_specs() + duty_specs(campus_id, kitchen, dining_room, disinfection):
        fields = dict({'calendar': 'school_days', 'target_type': 'place', 'people': [], 'targets': []}, **spec)
        made.append(Routine.create(campus=campus_id, created_at=created_at, **fields))
    return made
