"""The canteen's built-in checklists (issue 15): 陪餐 (a teacher eating with pupils: who, which meal, a comment),
the monthly food-safety self-inspection (自检, failed items become work orders), the morning check's temperature
bounds, and a second version of the disinfection record without its 留样 line (samples are kept at the fridge's
label now). Frozen copies; data only."""
import datetime
import json

from peewee import *

# (target kind, activity, name, items as (label, type, required, extra))
BUILTIN = [
    ('canteen', 'accompany', '陪餐记录', [
        ('陪餐人', 'text', True, {}),
        ('餐次', 'choice', True, {'choices': ['早餐', '午餐', '晚餐']}),
        ('饭菜卫生、熟透，温度适宜', 'pass_fail', True, {}),
        ('分量足，荤素搭配合理', 'pass_fail', True, {}),
        ('学生就餐秩序良好，无浪费', 'pass_fail', True, {}),
        ('陪餐意见和建议', 'text', True, {}),
    ]),
    ('canteen', 'self_inspection', '食堂食品安全月自检', [
        ('从业人员健康证齐全有效，晨检记录完整', 'pass_fail', True, {}),
        ('每餐留样每样不少于125克，冷藏保存48小时，记录完整', 'pass_fail', True, {}),
        ('食材索证索票齐全，进货验收记录完整', 'pass_fail', True, {}),
        ('无过期、变质食品，生熟分开存放', 'pass_fail', True, {}),
        ('餐具每餐清洗消毒，保洁存放', 'pass_fail', True, {}),
        ('操作间、库房整洁，防鼠防蝇设施完好', 'pass_fail', True, {}),
        ('燃气、电器、消防设施安全，灭火器在有效期内', 'pass_fail', True, {}),
        ('添加剂专人专柜管理，有使用记录', 'pass_fail', True, {}),
        ('备注', 'text', False, {}),
    ]),
    ('canteen', 'morning_check', '食堂从业人员晨检', [
        ('体温', 'number', True, {'min_value': 35.0, 'max_value': 37.2, 'unit': '°C'}),
    ]),
]
DISINFECTION = ('canteen', 'canteen', '食堂餐具消毒记录', [
    ('消毒方式', 'choice', True, {'choices': ['消毒柜', '高温蒸汽', '煮沸', '化学消毒']}),
    ('消毒温度', 'number', False, {'min_value': 80, 'max_value': 130, 'unit': '°C'}),
    ('消毒时长', 'number', True, {'min_value': 15, 'max_value': 180, 'unit': '分钟'}),
    ('餐具已全部消毒、保洁存放', 'pass_fail', True, {}),
    ('操作台面、砧板已清洗消毒', 'pass_fail', True, {}),
    ('消毒柜运行正常', 'pass_fail', True, {}),
])


def up(migrator, db):
    class ChecklistTemplate(Model):
        campus = IntegerField(null=True, column_name='campus_id')
        target_kind = CharField(max_length=20)
        activity = CharField(max_length=20)
        name = CharField(max_length=100)
        version = IntegerField(default=1)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        pass_mark = FloatField(null=True)
        scoring = CharField(max_length=4, default='sum')

        class Meta:
            database = db
            table_name = 'checklist_template'

    class ChecklistItem(Model):
        template = IntegerField(column_name='template_id')
        position = IntegerField(default=0)
        label = CharField(max_length=200)
        item_type = CharField(max_length=10)
        required = BooleanField(default=True)
        min_value = FloatField(null=True)
        max_value = FloatField(null=True)
        unit = CharField(max_length=20, default='')
        choices = TextField(default='[]')
        points = FloatField(default=0)

        class Meta:
            database = db
            table_name = 'checklist_item'

    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)

    def add(kind, activity, name, items, version):
        template = ChecklistTemplate.create(campus=None, target_kind=kind, activity=activity, name=name,
                                            version=version, active=True, created_at=now, pass_mark=None,
                                            scoring='sum')
        for position, (label, item_type, required, extra) in enumerate(items):
            ChecklistItem.create(template=template.id, position=position, label=label, item_type=item_type,
                                 required=required, min_value=extra.get('min_value'),
                                 max_value=extra.get('max_value'), unit=extra.get('unit', ''),
                                 choices=json.dumps(extra.get('choices', []), ensure_ascii=False), points=0)

    for kind, activity, name, items in BUILTIN:
        if not ChecklistTemplate.select().where(ChecklistTemplate.campus.is_null() & (ChecklistTemplate.target_kind == kind)
                                                & (ChecklistTemplate.activity == activity)).exists():
            add(kind, activity, name, items, 1)
    kind, activity, name, items = DISINFECTION
    old = list(ChecklistTemplate.select().where(ChecklistTemplate.campus.is_null()
                                                & (ChecklistTemplate.target_kind == kind)
                                                & (ChecklistTemplate.activity == activity) & ChecklistTemplate.active))
    if old:
        ChecklistTemplate.update(active=False).where(ChecklistTemplate.id.in_([t.id for t in old])).execute()
        add(kind, activity, name, items, max(t.version for t in old) + 1)


def down(migrator, db):
    pass
