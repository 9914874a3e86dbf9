"""db.Compiled: a query's SQL built once per process and database, run with each call's values, gives the rows the
query itself gives (models, joins, converted values), and is built again for another database."""
import datetime

from houqin import db
from houqin.db import Compiled, Slot, database
from houqin.models import Place, Tag


def test_a_compiled_query_gives_what_the_query_gives(app, school):
    with database.connection_context():
        Tag.create(token='CQ00000001', campus=school['campus'], place=school['floor'])
        built = []
        by_place = Compiled(lambda: built.append(1) or (
            Tag.select(Tag, Place).join(Place).where((Tag.place == Slot('place')) & (Tag.created_at < Slot('before')))
            .order_by(Tag.id)))
        later = datetime.datetime(2100, 1, 1)
        for place in (school['room'], school['floor'], school['floor'].id):  # a model instance or its id
            plain = list(Tag.select(Tag, Place).join(Place).where((Tag.place == place) & (Tag.created_at < later))
                         .order_by(Tag.id))
            rows = by_place(place=place, before=later)
            assert [(t.id, t.token, t.place.name) for t in rows] == [(t.id, t.token, t.place.name) for t in plain]
            assert rows and all(isinstance(t.place, Place) for t in rows)
        assert by_place(place=school['room'], before=datetime.datetime(2000, 1, 1)) == []
        assert len(built) == 1  # one SQL text for every call


def test_a_compiled_query_is_built_again_for_another_database(app, school):
    query = Compiled(lambda: Place.select().where(Place.id == Slot('id')))
    with database.connection_context():
        assert query(id=school['room'].id)[0].name == '101教室'
    first = query._built[0]
    other = db.open_database(app.config['DATABASE_URL'])
    database.initialize(other)
    try:
        with database.connection_context():
            assert query(id=school['room'].id)[0].name == '101教室'
        assert query._built[0] is other and other is not first
    finally:
        database.initialize(first)
