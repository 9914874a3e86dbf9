"""The console-error check covers every browser context a test opens: each phone from new_phone, however many,
and a context opened on the browser directly. Probes run in a separate pytest with the real conftest."""
import pathlib

from helpers import needs_chromium

pytest_plugins = ['pytester']
pytestmark = needs_chromium
TESTS = pathlib.Path(__file__).resolve().parent.parent

PROBES = '''
def test_the_phone_logs_an_error(phone):
    phone.set_content('<p>x</p>')
    phone.evaluate("console.error('boom on the phone')")


def test_a_second_phone_throws(new_phone):
    new_phone().set_content('<p>quiet</p>')
    page = new_phone()
    page.set_content('<p>x</p>')
    page.evaluate("setTimeout(() => { throw new Error('thrown on the second phone') }, 0)")
    page.wait_for_timeout(200)


def test_a_context_opened_directly_and_left_open(browser):
    page = browser.new_context().new_page()
    page.set_content('<p>x</p>')
    page.evaluate("console.error('boom in a context of its own')")


def test_a_quiet_phone(new_phone):
    for _ in range(2):
        new_phone().set_content('<p>quiet</p>')
'''


def test_a_console_error_in_any_browser_context_fails_the_test(pytester):
    pytester.makeconftest((TESTS / 'conftest.py').read_text(encoding='utf-8'))
    pytester.makepyfile(helpers=(TESTS / 'helpers.py').read_text(encoding='utf-8'))
    pytester.makepyfile(test_probes=PROBES)
    result = pytester.runpytest_subprocess('-p', 'no:cacheprovider')
    result.assert_outcomes(passed=4, errors=3)
    result.stdout.fnmatch_lines([
        '*ERROR at teardown of test_the_phone_logs_an_error*',
        "*browser console errors: ['context 1 console: boom on the phone*",
        '*ERROR at teardown of test_a_second_phone_throws*',
        "*browser console errors: ['context 3 page error: thrown on the second phone*",
        '*ERROR at teardown of test_a_context_opened_directly_and_left_open*',
        "*browser console errors: ['context 4 console: boom in a context of its own*",
    ])
