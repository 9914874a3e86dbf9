"""The scan page: where a record came from (for rate limits) and the built-in checklists, in Chinese."""
import json

from peewee import *

# Built-in checklists from the routines in DOMAIN.md. Each item: (label, type, required, extra).
BUILTIN = [
    ('toilet', 'cleaning', '厕所保洁标准', [
        ('墙面、门窗无污迹', 'pass_fail', True, {}),
        ('无乱涂乱画', 'pass_fail', True, {}),
        ('地面干燥、无积水', 'pass_fail', True, {}),
        ('便槽、便池干净', 'pass_fail', True, {}),
        ('下水管道通畅', 'pass_fail', True, {}),
        ('通风良好、无明显臭味', 'pass_fail', True, {}),
        ('洗手液、卫生纸已补充', 'pass_fail', False, {}),
        ('现场照片', 'photo', False, {}),
    ]),
    ('classroom', 'inspection', '教室安全检查', [
        ('门窗完好，开关、锁具正常', 'pass_fail', True, {}),
        ('灯具完好，无长明灯', 'pass_fail', True, {}),
        ('插座、开关无破损', 'pass_fail', True, {}),
        ('电线无裸露、老化，无私拉乱接', 'pass_fail', True, {}),
        ('课桌椅无松动、破损', 'pass_fail', True, {}),
        ('投影仪、多媒体设备正常', 'pass_fail', True, {}),
        ('疏散通道畅通', 'pass_fail', True, {}),
        ('备注', 'text', False, {}),
    ]),
    ('fire_extinguisher', 'inspection', '灭火器月度检查', [
        ('压力表指针在绿区', 'pass_fail', True, {}),
        ('保险销和铅封完好', 'pass_fail', True, {}),
        ('喷管、喷嘴完好无堵塞', 'pass_fail', True, {}),
        ('瓶体无锈蚀、变形', 'pass_fail', True, {}),
        ('放置位置便于取用，标识清楚', 'pass_fail', True, {}),
        ('在有效期内（过期须填粉或更换）', 'pass_fail', True, {}),
        ('压力读数', 'number', False, {'min_value': 1.0, 'max_value': 1.4, 'unit': 'MPa'}),
    ]),
    ('dormitory', 'inspection', '宿舍安全卫生检查', [
        ('无私自使用大功率电器', 'pass_fail', True, {}),
        ('插座、电线完好，无私拉乱接', 'pass_fail', True, {}),
        ('人走断电，无长明灯', 'pass_fail', True, {}),
        ('门窗完好', 'pass_fail', True, {}),
        ('内务整洁，地面干净', 'pass_fail', True, {}),
        ('备注', 'text', False, {}),
    ]),
    ('canteen', 'canteen', '食堂餐具消毒记录', [
        ('消毒方式', 'choice', True, {'choices': ['消毒柜', '高温蒸汽', '煮沸', '化学消毒']}),
        ('消毒温度', 'number', False, {'min_value': 80, 'max_value': 130, 'unit': '°C'}),
        ('消毒时长', 'number', True, {'min_value': 15, 'max_value': 180, 'unit': '分钟'}),
        ('餐具已全部消毒、保洁存放', 'pass_fail', True, {}),
        ('操作台面、砧板已清洗消毒', 'pass_fail', True, {}),
        ('每餐留样已完成（保存48小时）', 'pass_fail', True, {}),
    ]),
    ('function_room', 'use', '功能室使用登记', [
        ('使用班级', 'text', True, {}),
        ('室内整洁', 'pass_fail', True, {}),
        ('设备、器材已归位', 'pass_fail', True, {}),
        ('设备完好无损', 'pass_fail', True, {}),
        ('备注', 'text', False, {}),
    ]),
]


def up(migrator, db):
    migrator.migrate(migrator.add_column('record', 'client_address', CharField(max_length=64, default='')))
    migrator.migrate(migrator.add_index('record', ('client_address', 'created_at'), False))

    class ChecklistTemplate(Model):
        campus = IntegerField(null=True, column_name='campus_id')
        target_kind = CharField(max_length=20)
        activity = CharField(max_length=20)
        name = CharField(max_length=100)
        version = IntegerField(default=1)
        active = BooleanField(default=True)
        created_at = DateTimeField()

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

        class Meta:
            database = db
            table_name = 'checklist_item'

    import datetime
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    for kind, activity, name, items in BUILTIN:
        template = ChecklistTemplate.create(campus=None, target_kind=kind, activity=activity, name=name,
                                            version=1, active=True, created_at=now)
        for position, (label, item_type, required, extra) in enumerate(items):
            ChecklistItem.create(template=template.id, position=position, label=label, item_type=item_type,
                                 required=required, min_value=extra.get('min_value'),
                                 max_value=extra.get('max_value'), unit=extra.get('unit', ''),
                                 choices=json.dumps(extra.get('choices', []), ensure_ascii=False))


def down(migrator, db):
    db.execute_sql('DELETE FROM checklist_item WHERE template_id IN '
                   '(SELECT id FROM checklist_template WHERE campus_id IS NULL)')
    db.execute_sql('DELETE FROM checklist_template WHERE campus_id IS NULL')
    migrator.migrate(migrator.drop_column('record', 'client_address'))
