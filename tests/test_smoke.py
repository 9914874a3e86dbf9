from helpers import login


def test_login_and_admin_pages_in_chinese(client, school):
    assert login(client, 'admin').status_code == 302
    for path in ('/admin/', '/admin/places', '/admin/items', '/admin/campus', '/admin/audit', '/account'):
        r = client.get(path)
        assert r.status_code == 200, (path, r.get_data(as_text=True)[:2000])
