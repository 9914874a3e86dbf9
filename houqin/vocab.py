"""Names people read for the keys the database stores: kinds, statuses, roles."""
from flask_babel import lazy_gettext as _l

PLACE_KIND_LABELS = {
    'building': _l('Building'), 'floor': _l('Floor'), 'classroom': _l('Classroom'),
    'toilet': _l('Toilet'), 'dormitory': _l('Dormitory'), 'office': _l('Office'),
    'canteen': _l('Canteen'), 'lab': _l('Laboratory'), 'function_room': _l('Function room'),
    'gate': _l('Gate'), 'corridor': _l('Corridor'), 'stairwell': _l('Stairwell'),
    'playground': _l('Playground'), 'storeroom': _l('Storeroom'), 'other': _l('Other'),
}

ITEM_KIND_LABELS = {
    'desk': _l('Desk'), 'chair': _l('Chair'), 'projector': _l('Projector'),
    'computer': _l('Computer'), 'fire_extinguisher': _l('Fire extinguisher'),
    'hydrant': _l('Fire hydrant'), 'light': _l('Light'), 'door': _l('Door'), 'window': _l('Window'),
    'air_conditioner': _l('Air conditioner'), 'water_dispenser': _l('Water dispenser'),
    'camera': _l('Camera'), 'sample_fridge': _l('Sample fridge'), 'other': _l('Other'),
}

ITEM_STATUS_LABELS = {
    'in_use': _l('In use'), 'broken': _l('Broken'), 'under_repair': _l('Under repair'),
    'missing': _l('Missing'), 'scrapped': _l('Scrapped'),
}

ROLE_LABELS = {
    'admin': _l('Administrator'), 'manager': _l('Logistics head'), 'guard': _l('Guard'),
    'janitor': _l('Janitor'), 'teacher': _l('Teacher'), 'repair': _l('Repair worker'),
    'canteen': _l('Canteen staff'), 'viewer': _l('Viewer'),
    'inspector': _l('Duty leader'),  # 值周行政: runs inspections, checks and campaigns; reads dashboards
}

LANGUAGE_LABELS = {'zh_CN': '简体中文', 'en': 'English'}

# The stored keys, in the order people see them.
PLACE_KINDS = tuple(PLACE_KIND_LABELS)
ITEM_KINDS = tuple(ITEM_KIND_LABELS)
ITEM_STATUSES = tuple(ITEM_STATUS_LABELS)
ROLES = tuple(ROLE_LABELS)
MANAGER_ROLES = frozenset({'admin', 'manager'})  # who steers the campus's logistics and hears about it

# Work-order categories: what a damage report, a hazard or a patrol anomaly is filed under.
CATEGORY_LABELS = {
    'electrical': _l('Electrical and lighting'), 'plumbing': _l('Plumbing'),
    'doors_windows': _l('Doors and windows'), 'furniture': _l('Furniture'), 'it_av': _l('IT and AV'),
    'building': _l('Building'), 'fire': _l('Fire equipment'), 'other': _l('Other'),
}

# Work orders: priorities and statuses.
PRIORITY_LABELS = {'urgent': _l('Urgent'), 'high': _l('High'), 'normal': _l('Normal'), 'low': _l('Low')}
ORDER_STATUS_LABELS = {
    'reported': _l('Reported'), 'accepted': _l('Accepted'), 'in_progress': _l('In progress'), 'done': _l('Done'),
    'verified': _l('Verified'), 'closed': _l('Closed'), 'rejected': _l('Rejected'), 'merged': _l('Merged'),
}

# Checklist activities (what a record at a label is), and the other kinds of record.
ACTIVITY_LABELS = {
    'cleaning': _l('Cleaning'), 'inspection': _l('Inspection'), 'canteen': _l('Canteen record'),
    'use': _l('Function room use'),
    # Activities are data (a school types new ones with a checklist or a routine); these are the ones the seeds
    # and the demo school use. Any other key is named by the campus's checklist or routine for it
    # (routines.service.activity_names).
    'hygiene': _l('Hygiene check'), 'greening': _l('Greening care'), 'dormitory': _l('Dormitory check'),
    'spot_check': _l('Spot check'), 'weekly_check': _l('Weekly minor check'),
    'big_check': _l('Fortnightly major check'), 'campaign': _l('Special safety check'),
    'boiler': _l('Boiler check'), 'tuck_shop': _l('Tuck shop check'),
    'accompany': _l('Eating with pupils'), 'self_inspection': _l('Canteen self-inspection'),
    'morning_check': _l('Morning health check'),  # its built-in checklist gives the temperature bounds
}
RECORD_ACTIVITY_LABELS = dict(ACTIVITY_LABELS, report=_l('Problem report'), patrol=_l('Patrol'))
# The canteen's own records (houqin/canteen/).
RECORD_ACTIVITY_LABELS.update(sample=_l('Food samples'), morning_check=_l('Morning health check'),
                              delivery=_l('Delivery check'))


def label(labels, key):
    """The readable name of a stored key, or the key itself if unknown."""
    return labels.get(key, key)


def key_for(labels, text):
    """The stored key whose key or name (in any language) matches text, else None."""
    from flask_babel import force_locale
    wanted = (text or '').strip().lower()
    if not wanted:
        return None
    for key in labels:
        if key.lower() == wanted:
            return key
    for locale in ('zh_CN', 'en'):
        with force_locale(locale):
            for key, name in labels.items():
                if str(name).lower() == wanted:
                    return key
    return None

AUDIT_ACTION_LABELS = {
    'create': _l('created'), 'update': _l('changed'), 'delete': _l('deleted'), 'import': _l('imported'),
    'password': _l('reset the password of'), 'deactivate': _l('deactivated'), 'activate': _l('reactivated'),
}

ENTITY_LABELS = {
    'campus': _l('Campus'), 'place': _l('Place'), 'item': _l('Asset'), 'user': _l('Account'),
    'membership': _l('Role'), 'tag': _l('Label'),
    # Every other table an audit entry may name, so the log never shows a raw table name.
    'route': _l('Patrol route'), 'route_stop': _l('Patrol checkpoint'), 'holiday': _l('Holiday'),
    'notification_channel': _l('Notification channel'), 'label_layout': _l('Label layout'),
    'repair_category': _l('Repair category'), 'repair_settings': _l('Repair settings'),
    'checklist_template': _l('Checklist'), 'checklist_item': _l('Checklist item'), 'record': _l('Record'),
    'work_order': _l('Work order'), 'routine': _l('Routine'), 'term': _l('Term'), 'duty_log': _l('Duty log'),
    'photo': _l('Photo'),
    'canteen_staff': _l('Canteen worker'), 'health_certificate': _l('Health certificate'),
    'supplier': _l('Supplier'),
    'scrap_request': _l('Scrapping request'), 'storekeeper': _l('Storekeeper'),
    'custody_list': _l('Custody list'), 'custody_line': _l('Asset on a custody list'),
    'stocktake': _l('Stocktake'), 'supply': _l('Supply'),
    'loan': _l('Loan'), 'transfer': _l('Transfer request'), 'gate_permit': _l('Off-campus permit'),
}


def select_choices(pairs):
    """WTForms choices from (value, label) pairs or a {value: label} dict."""
    from wtforms.fields.choices import SelectChoice
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]

ATTRIBUTE_LABELS = {
    'note': _l('Note'), 'agent': _l('Extinguishing agent'), 'capacity_kg': _l('Capacity (kg)'),
}

# Routines (houqin/routines/): how a routine follows the campus calendar, and what a slot became.
CALENDAR_MODE_LABELS = {
    'school_days': _l('School days'), 'every_day': _l('Every day'), 'holidays': _l('Holidays only'),
}
SLOT_STATUS_LABELS = {
    'done': _l('Done'), 'late': _l('Done late'), 'due': _l('Due now'),
    'missed': _l('Not done'),  # 漏做: "Missed" is patrol's word (漏巡), wrong for a cleaning or a check
    'upcoming': _l('Upcoming'),
}

# The canteen (houqin/canteen/): meals, symptoms at the morning check, sample and certificate states, units.
MEAL_LABELS = {'breakfast': _l('Breakfast'), 'lunch': _l('Lunch'), 'dinner': _l('Dinner'), 'extra': _l('Extra meal')}
SYMPTOM_LABELS = {'fever': _l('Fever'), 'diarrhoea': _l('Diarrhoea'), 'cough': _l('Cough'),
                  'hand_wound': _l('Skin wound on the hands')}
SAMPLE_STATUS_LABELS = {'kept': _l('Kept'), 'due': _l('Due for disposal'), 'overdue': _l('Not disposed of in time'),
                        'disposed': _l('Disposed of'), 'early': _l('Disposed of early')}
CERTIFICATE_STATE_LABELS = {'valid': _l('Valid'), 'expiring': _l('Expiring within 30 days'),
                            'expired': _l('Expired'), 'none': _l('No certificate')}
UNIT_LABELS = {'kg': _l('kg'), 'count': _l('pieces'), 'box': _l('boxes'), 'litre': _l('litres')}
