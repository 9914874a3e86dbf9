"""The canteen's links on a label's page (the scan page's hook): 留样 at the sample fridge, 晨检 at the canteen
entrance, 验收 at the storeroom."""
from flask import url_for
from flask_babel import gettext as _

from houqin.models import Item, Place
from houqin.permissions import can

FRIDGE_KIND = 'sample_fridge'


def label_links(campus, target, role, tag):
    """[(text, url, main)] the canteen offers at this label to this role."""
    if not can('canteen.record', role):
        return []
    if isinstance(target, Item) and target.kind == FRIDGE_KIND:
        return [(_('Keep food samples (留样)'), url_for('canteen.fridge', token=tag.token), True)]
    if isinstance(target, Place) and target.kind == 'canteen':
        return [(_('Morning health check (晨检)'), url_for('canteen.morning', token=tag.token), True)]
    if isinstance(target, Place) and target.kind == 'storeroom':
        return [(_('Check a delivery (验收)'), url_for('canteen.delivery', token=tag.token), True)]
    return []
