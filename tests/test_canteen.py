"""The canteen over HTTP: samples kept at the fridge's label (125 g, photos, once per submission, disposal 48 h
later), the morning check (37.8 °C is not fit, sent home needs a note), certificates told once, deliveries."""
import datetime
import re

import pytest
from helpers import csrf_token, jpeg_upload, login

from houqin.canteen.samples import status_of
from houqin.canteen.staff import notify_certificates
from houqin.clock import utcnow
from houqin.db import database
from houqin.models import (Campus, CanteenStaff, Delivery, DeliveryLine, FoodSample, HealthCertificate, Item,
                           MorningCheck, Outbox, Place, Record, Supplier, Tag, NotificationChannel)

SID = '11111111-1111-4111-8111-{:012d}'



@pytest.fixture
def canteen(school):
    """A sample fridge, a canteen entrance and a storeroom with labels; three workers; a supplier."""
    with database.connection_context():
        campus = school['campus']
        hall = Place.create(campus=campus, parent=school['building'], name='食堂', kind='canteen')
        store = Place.create(campus=campus, parent=school['building'], name='食品仓库', kind='storeroom')
        fridge = Item.create(campus=campus, place=hall, kind='sample_fridge', name='留样冰箱')
        Tag.create(token='FRDGE00001', campus=campus, item=fridge)
        Tag.create(token='HA00000001', campus=campus, place=hall)
        Tag.create(token='STRE000001', campus=campus, place=store)
        today = campus.today()
        staff = {}
        for name, days in (('赵师傅', 400), ('钱阿姨', 10), ('孙师傅', -3)):
            staff[name] = CanteenStaff.create(campus=campus, name=name, post='厨师')
            HealthCertificate.create(staff=staff[name], number=f'JK-{name}', issued_on=today - datetime.timedelta(days=300),
                                     expires_on=today + datetime.timedelta(days=days))
        supplier = Supplier.create(campus=campus, name='青石镇蔬菜店', licence_number='JY123',
                                   licence_expires=today + datetime.timedelta(days=200))
    return {'fridge': fridge, 'hall': hall, 'staff': staff, 'supplier': supplier}


def keep(client, sid, dishes, at=None, meal='lunch'):
    data = {'csrf_token': csrf_token(client, '/canteen/t/FRDGE00001/samples'), 'submission_id': sid, 'meal': meal}
    for i, (dish, weight) in enumerate(dishes):
        data[f'dish{i}'], data[f'weight{i}'], data[f'photo{i}'] = dish, weight, jpeg_upload('dish.jpg')
    if at:
        data['at'] = at
    return client.post('/canteen/t/FRDGE00001/samples', data=data, content_type='multipart/form-data')


def test_the_canteen_keeps_samples_and_disposes_of_them_48_hours_later(client, canteen):
    login(client, 'canteen')
    r = keep(client, SID.format(1), [('红烧肉', '150'), ('炒青菜', '130')])
    assert r.status_code == 302
    again = keep(client, SID.format(1), [('红烧肉', '150'), ('炒青菜', '130')])
    assert again.status_code == 302
    with database.connection_context():
        samples = list(FoodSample.select().order_by(FoodSample.id))
        assert [(s.dish, s.weight, s.meal) for s in samples] == [('红烧肉', 150, 'lunch'), ('炒青菜', 130, 'lunch')]
        assert all(s.photo_id for s in samples) and samples[0].dispose_due - samples[0].kept_at == datetime.timedelta(hours=48)
        assert Record.select().where(Record.activity == 'sample').count() == 1
        kept_at = samples[0].kept_at
    page = client.get('/canteen/t/FRDGE00001/samples').get_data(as_text=True)
    assert '红烧肉' in page and 'Disposed of (' not in page and '已处理（' not in page
    later = (kept_at + datetime.timedelta(hours=48, minutes=1)).isoformat(timespec='seconds')
    page = client.get(f'/canteen/t/FRDGE00001/samples?at={later}').get_data(as_text=True)
    assert page.count('sample-due') == 2
    ids = re.findall(r'name="sample" value="(\d+)"', page)
    r = client.post('/canteen/t/FRDGE00001/dispose', data={
        'csrf_token': csrf_token(client, '/canteen/'), 'sample': ids, 'at': later})
    assert r.status_code == 302
    with database.connection_context():
        assert [status_of(s, utcnow()) for s in FoodSample.select()] == ['disposed', 'disposed']
        assert all(s.disposed_by.username == 'canteen' for s in FoodSample.select())


def test_a_sample_under_125_g_is_refused_keeping_what_was_typed(client, canteen):
    login(client, 'canteen')
    r = keep(client, SID.format(2), [('红烧肉', '150'), ('米饭', '100')])
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert '100 克不够' in html and '125' in html and 'value="米饭"' in html and 'value="100"' in html
    with database.connection_context():
        assert FoodSample.select().count() == 0 and Record.select().where(Record.activity == 'sample').count() == 0


@pytest.mark.parametrize('weight', ['', '-5', '²', str(2 ** 64), '1' * 100_000, '12.5', '99999'])
def test_hostile_weights_are_refused_without_storing(client, canteen, weight):
    login(client, 'canteen')
    r = keep(client, SID.format(3), [('汤', weight)])
    assert r.status_code == 400
    with database.connection_context():
        assert FoodSample.select().count() == 0


def test_early_disposal_and_a_missed_disposal_show_as_problems(client, canteen):
    login(client, 'canteen')
    assert keep(client, SID.format(4), [('鱼', '140')]).status_code == 302
    with database.connection_context():
        sample = FoodSample.get()
        assert status_of(sample, sample.kept_at + datetime.timedelta(hours=61)) == 'overdue'
        back = utcnow() - datetime.timedelta(hours=30)
        FoodSample.update(kept_at=back, dispose_due=back + datetime.timedelta(hours=48),
                          disposed_at=back + datetime.timedelta(hours=20)).execute()
        assert status_of(FoodSample.get(), utcnow()) == 'early'
    assert '提前处理' in client.get('/canteen/').get_data(as_text=True)


def check(client, staff, temperature, decision, note='', sid=10, symptoms=()):
    data = {'csrf_token': csrf_token(client, '/canteen/t/HA00000001/check'), 'submission_id': SID.format(sid),
            'staff': staff.id, 'temperature': temperature, 'decision': decision, 'note': note}
    data.update({f'symptom_{s}': '1' for s in symptoms})
    return client.post('/canteen/t/HA00000001/check', data=data)


def test_the_morning_check_refuses_to_mark_fit_a_worker_with_a_fever(client, canteen):
    login(client, 'canteen')
    zhao = canteen['staff']['赵师傅']
    r = check(client, zhao, '37.8', 'fit')
    assert r.status_code == 400 and '37.8' in r.get_data(as_text=True)
    with database.connection_context():
        assert MorningCheck.select().count() == 0
    assert check(client, zhao, '37.8', 'home', sid=11).status_code == 302
    r = check(client, zhao, '36.5', 'fit', sid=12)
    assert r.status_code == 400
    assert check(client, zhao, '36.5', 'fit', note='复测正常，已无发热', sid=13).status_code == 302
    with database.connection_context():
        assert [(c.temperature, c.fit) for c in MorningCheck.select().order_by(MorningCheck.id)] == [
            (37.8, False), (36.5, True)]
    qian = canteen['staff']['钱阿姨']
    assert check(client, qian, '36.6', 'fit', symptoms=['hand_wound'], sid=14).status_code == 400
    sun = canteen['staff']['孙师傅']
    assert check(client, sun, '36.6', 'fit', sid=15).status_code == 400  # expired certificate
    page = client.get('/canteen/t/HA00000001/check').get_data(as_text=True)
    assert '钱阿姨' in page and '孙师傅' in page


@pytest.mark.parametrize('temperature', ['', 'abc', '²', '1e400', 'nan', '-37', '99'])
def test_hostile_temperatures_are_refused(client, canteen, temperature):
    login(client, 'canteen')
    assert check(client, canteen['staff']['赵师傅'], temperature, 'fit').status_code == 400
    with database.connection_context():
        assert MorningCheck.select().count() == 0


def test_certificates_expiring_and_expired_are_told_once(client, canteen, school):
    with database.connection_context():
        NotificationChannel.create(campus=school['campus'], name='群', kind='webhook', url='http://127.0.0.1:9/h',
                                   audience='managers')
        today = school['campus'].today()
        assert notify_certificates(school['campus'].id, today) == 2
        assert notify_certificates(school['campus'].id, today) == 0
        assert Outbox.select().where(Outbox.topic == 'certificate').count() == 2
    login(client, 'manager')
    page = client.get('/admin/').get_data(as_text=True)
    assert '孙师傅' in page and '钱阿姨' in page and '赵师傅' not in page


def test_a_refused_delivery_needs_a_reason(client, canteen):
    login(client, 'canteen')
    token = csrf_token(client, '/canteen/t/STRE000001/delivery')
    data = {'csrf_token': token, 'submission_id': SID.format(20), 'supplier': canteen['supplier'].id,
            'item0': '猪肉', 'qty0': '12.5', 'unit0': 'kg', 'temp0': '3', 'item1': '鸡蛋', 'qty1': '300',
            'unit1': 'count', 'refuse1': '1'}
    r = client.post('/canteen/t/STRE000001/delivery', data=data)
    assert r.status_code == 400 and 'value="鸡蛋"' in r.get_data(as_text=True)
    data['reason1'] = '破损较多'
    data['note_photo'] = jpeg_upload('dish.jpg')
    assert client.post('/canteen/t/STRE000001/delivery', data=data, content_type='multipart/form-data').status_code == 302
    with database.connection_context():
        delivery = Delivery.get()
        assert (delivery.supplier_name, delivery.refused) == ('青石镇蔬菜店', 1)
        assert [(l.name, l.quantity, l.accepted, l.reason, l.temperature) for l in delivery.lines.order_by(DeliveryLine.position)] == [
            ('猪肉', 12.5, True, '', 3.0), ('鸡蛋', 300.0, False, '破损较多', None)]
        assert delivery.record.photos.count() == 1


def test_other_campuses_labels_and_staff_are_404(client, canteen):
    with database.connection_context():
        other = Campus.create(name='别的学校', code='other')
        hall = Place.create(campus=other, name='食堂', kind='canteen')
        Tag.create(token='ZTHER00001', campus=other, place=hall)
        stranger = CanteenStaff.create(campus=other, name='外校员工')
    login(client, 'canteen')
    assert client.get('/canteen/t/ZTHER00001/check').status_code == 404
    assert client.get(f'/canteen/staff/{stranger.id}').status_code == 404
    r = check(client, stranger, '36.5', 'fit')
    assert r.status_code == 404
    assert client.get('/canteen/staff/18446744073709551616').status_code == 404


def test_the_scan_page_offers_the_canteen_at_its_labels(client, canteen):
    login(client, 'canteen')
    assert '/canteen/t/FRDGE00001/samples' in client.get('/t/FRDGE00001').get_data(as_text=True)
    assert '/canteen/t/HA00000001/check' in client.get('/t/HA00000001').get_data(as_text=True)
    assert '/canteen/t/STRE000001/delivery' in client.get('/t/STRE000001').get_data(as_text=True)
    client.get('/logout')
    login(client, 'janitor')
    assert '/canteen/' not in client.get('/t/FRDGE00001').get_data(as_text=True)


def test_staff_and_certificates_from_the_pages(client, canteen):
    login(client, 'canteen')
    r = client.post('/canteen/staff', data={'csrf_token': csrf_token(client, '/canteen/staff'), 'name': '',
                                           'post': '帮厨'})
    assert r.status_code == 400 and 'value="帮厨"' in r.get_data(as_text=True)
    r = client.post('/canteen/staff', data={'csrf_token': csrf_token(client, '/canteen/staff'), 'name': '李阿姨',
                                           'post': '帮厨', 'on_roster': '1'})
    assert r.status_code == 302
    with database.connection_context():
        li = CanteenStaff.get(CanteenStaff.name == '李阿姨')
    url = f'/canteen/staff/{li.id}'
    bad = client.post(url, data={'csrf_token': csrf_token(client, url), 'number': 'JK-9', 'issued_on': '2026-05-01',
                                 'expires_on': '2026-04-01'})
    assert bad.status_code == 400
    ok = client.post(url, data={'csrf_token': csrf_token(client, url), 'number': 'JK-9', 'issued_on': '2026-05-01',
                                'expires_on': '2027-05-01', 'photo': jpeg_upload('dish.jpg')}, content_type='multipart/form-data')
    assert ok.status_code == 302
    with database.connection_context():
        cert = HealthCertificate.get(HealthCertificate.staff == li)
        assert (cert.number, cert.expires_on, bool(cert.photo_id)) == ('JK-9', datetime.date(2027, 5, 1), True)


def test_the_four_canteen_ledgers_export_with_chinese_headers(client, canteen, runner, tmp_path):
    import openpyxl
    login(client, 'canteen')
    assert keep(client, SID.format(30), [('红烧肉', '150')]).status_code == 302
    assert check(client, canteen['staff']['赵师傅'], '36.5', 'fit', sid=31).status_code == 302
    day = utcnow().date().isoformat()
    for kind, header, value in (('samples', '菜品', '红烧肉'), ('morning_checks', '体温（°C）', 36.5),
                                ('health_certificates', '证书编号', 'JK-赵师傅'), ('deliveries', '品名', None)):
        out = tmp_path / f'{kind}.xlsx'
        result = runner.invoke(args=['houqin', 'ledger', kind, '--campus', 'test', '--from', '2026-01-01',
                                     '--to', '2027-12-31', '--out', str(out)])
        assert result.exit_code == 0, result.output
        sheet = openpyxl.load_workbook(out).worksheets[0]
        cells = [c.value for row in sheet.iter_rows() for c in row]
        assert header in cells, (kind, cells[:20])
        if value is not None:
            assert value in cells
