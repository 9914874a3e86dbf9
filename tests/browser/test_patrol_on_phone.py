"""A guard on night patrol with a phone: three checkpoint labels scanned in a row, progress shown each time,
without a single tap."""
from helpers import PASSWORD, needs_chromium
from test_patrol_helpers import around_now, make_route

from houqin.clock import utcnow
from houqin.models import PatrolScan

pytestmark = needs_chromium


def test_a_guard_scans_three_checkpoints_and_sees_progress_without_tapping(live_server, phone, school):
    route, places, tags, stops = make_route(school['campus'], ['校门', '配电房', '后门'], shift=around_now(utcnow()),
                                            every=24 * 60)
    page = phone
    page.goto(f'{live_server}/T/{tags[0].token}')  # what the phone camera opens: the label's upper-case URL
    page.get_by_role('link', name='登录').first.click()
    page.fill('input[name=username]', 'guard')
    page.fill('input[name=password]', PASSWORD)
    page.get_by_role('button', name='登录').click()
    page.wait_for_url(f'**/{tags[0].token}')
    panel = page.locator('#patrol')
    assert '1/3' in panel.inner_text() and '配电房 → 后门' in panel.inner_text()
    assert panel.get_by_role('button', name='门未锁').is_visible()
    for n, tag in enumerate(tags[1:], start=2):
        page.goto(f'{live_server}/T/{tag.token}')  # the next scan: no tap, just the camera
        assert f'{n}/3' in page.locator('#patrol').inner_text()
    assert '本轮已巡完' in page.locator('#patrol').inner_text()
    assert PatrolScan.select().count() == 3
    # The page script sends the phone's clock with each scan (its location only over HTTPS).
    for _ in range(50):
        if all(s.client_time for s in PatrolScan.select()):
            break
        page.wait_for_timeout(100)
    assert all(s.client_time for s in PatrolScan.select())
    assert page.evaluate('document.documentElement.scrollWidth') <= 390
