"""Checklist answers (houqin/checklists/answers.py) as pure functions: what each item type accepts, what fails,
what a hazard is, the score, the pass mark, the typo range, the failure summary and the expiry line — pinned
for bench/mutation.py. Items are plain objects with the fields of models.ChecklistItem."""
import datetime
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from houqin.checklists.answers import (Answers, check_answers, combined_score, expiry_note, failure_summary,
                                       passed, plausible_range, score)


def item(id, item_type='pass_fail', required=True, min_value=None, max_value=None, unit='', choices=None,
         points=0, label=None):
    """A checklist item as the model has it."""
    return SimpleNamespace(id=id, item_type=item_type, required=required, min_value=min_value,
                           max_value=max_value, unit=unit, choices=choices or [], points=points,
                           label=label or f'item {id}')


def upload(name='a.jpg'):
    """A file field as the browser sends it (an empty name: no file chosen)."""
    return FileStorage(stream=None, filename=name, name='q')


def check(items, form=None, files=None):
    return check_answers(items, MultiDict(form or {}), MultiDict(files or {}))


# --- Answers ---------------------------------------------------------------------------------------------

def test_answers_are_ok_only_without_errors():
    assert Answers().ok is True
    assert Answers(errors={'1': 'Please answer this.'}).ok is False


def test_stored_keeps_values_and_hazard_ids_as_strings_without_a_score():
    hazard = item(7)
    kept = Answers(values={'7': 'fail'}, hazards=[hazard]).stored()
    assert kept == {'values': {'7': 'fail'}, 'hazards': ['7']}


def test_stored_keeps_the_score_of_a_scored_checklist():
    kept = Answers(values={'1': 'pass'}, score=0.0, max_score=2.0).stored()
    assert kept == {'values': {'1': 'pass'}, 'hazards': [], 'score': 0.0, 'max_score': 2.0}


# --- check_answers: pass/fail ----------------------------------------------------------------------------

def test_pass_and_fail_are_stored_and_fail_is_a_failure():
    a, b = item(1), item(2)
    result = check([a, b], {'q1': ' pass ', 'q2': 'fail'})
    assert result.ok and result.errors == {}
    assert result.values == {'1': 'pass', '2': 'fail'}
    assert result.failed == [b]
    assert result.hazards == []


def test_a_failed_item_marked_hazard_is_a_hazard_a_passed_one_is_not():
    a, b = item(1), item(2)
    result = check([a, b], {'q1': 'fail', 'hazard1': 'on', 'q2': 'pass', 'hazard2': 'on'})
    assert result.failed == [a]
    assert result.hazards == [a]


def test_a_failed_item_without_the_hazard_box_is_no_hazard():
    result = check([item(1)], {'q1': 'fail', 'hazard1': ''})
    assert result.hazards == [] and len(result.failed) == 1


def test_anything_but_pass_or_fail_is_refused():
    result = check([item(1)], {'q1': 'ok'})
    assert result.errors == {'1': 'Please choose pass or fail.'}
    assert result.values == {} and result.failed == []


def test_a_required_item_left_blank_is_refused_an_optional_one_skipped():
    result = check([item(1), item(2, required=False)], {'q1': '   ', 'q2': ''})
    assert result.errors == {'1': 'Please answer this.'}
    assert result.values == {}
    assert not result.ok


def test_a_missing_field_is_blank():
    assert check([item(1)], {}).errors == {'1': 'Please answer this.'}


# --- number ----------------------------------------------------------------------------------------------

def test_a_number_inside_its_range_passes_at_both_bounds():
    gauge = item(1, 'number', min_value=1.0, max_value=1.4)
    for typed, value in (('1', 1.0), ('1.4', 1.4), ('1,2', 1.2)):
        result = check([gauge], {'q1': typed})
        assert result.values == {'1': value} and result.failed == [] and result.ok


def test_a_number_just_outside_its_range_fails_but_is_kept():
    gauge = item(1, 'number', min_value=1.0, max_value=1.4)
    for typed, value in (('0.9', 0.9), ('1.5', 1.5)):
        result = check([gauge], {'q1': typed, 'hazard1': 'on'})
        assert result.ok
        assert result.values == {'1': value}
        assert result.failed == [gauge] and result.hazards == [gauge]


def test_a_number_with_one_bound_fails_only_past_it():
    low_only = item(1, 'number', min_value=5)
    high_only = item(2, 'number', max_value=5)
    result = check([low_only, high_only], {'q1': '1000', 'q2': '-1000'})
    assert result.ok and result.failed == []
    result = check([low_only, high_only], {'q1': '4', 'q2': '6'})
    assert result.ok and result.failed == [low_only, high_only]


def test_a_number_without_bounds_never_fails():
    result = check([item(1, 'number')], {'q1': '-12345'})
    assert result.values == {'1': -12345.0} and result.failed == []


def test_not_a_number_is_refused():
    result = check([item(1, 'number', min_value=1, max_value=2)], {'q1': 'abc'})
    assert result.errors == {'1': 'Please enter a number.'}
    assert result.values == {}


def test_a_number_far_outside_its_range_is_refused_as_a_typo():
    gauge = item(1, 'number', min_value=1.0, max_value=1.4)
    result = check([gauge], {'q1': '14'})
    assert result.errors == {'1': '14 looks mistyped: it is far outside 1–1.4. Please check it.'}
    assert result.values == {} and result.failed == []
    result = check([gauge], {'q1': '0.1'})   # below 1.0 - 2 × 0.4 = 0.2
    assert result.errors == {'1': '0.1 looks mistyped: it is far outside 1–1.4. Please check it.'}


def test_the_edges_of_the_typo_range_are_accepted_as_failed_checks():
    gauge = item(1, 'number', min_value=10, max_value=20)   # plausible 0 (not -10) .. 40
    for typed in ('0', '40'):
        result = check([gauge], {'q1': typed})
        assert result.ok, typed
        assert result.failed == [gauge]
    assert not check([gauge], {'q1': '40.01'}).ok
    assert not check([gauge], {'q1': '-0.01'}).ok


# --- choice, text, photo ---------------------------------------------------------------------------------

def test_a_choice_must_be_one_of_the_options_and_never_fails():
    q = item(1, 'choice', choices=['干净', '一般'])
    result = check([q], {'q1': '一般'})
    assert result.values == {'1': '一般'} and result.failed == [] and result.ok
    result = check([q], {'q1': '很脏'})
    assert result.errors == {'1': 'Please choose one of the options.'} and result.values == {}


def test_a_choice_without_options_accepts_nothing():
    q = item(1, 'choice', choices=None)
    q.choices = None
    assert check([q], {'q1': 'x'}).errors == {'1': 'Please choose one of the options.'}


def test_text_is_kept_up_to_1000_characters_and_never_fails():
    result = check([item(1, 'text')], {'q1': '  ' + 'x' * 1200, 'hazard1': 'on'})
    assert result.values == {'1': 'x' * 1000}
    assert result.failed == [] and result.hazards == []


def test_a_photo_with_a_file_is_kept_for_storing():
    q = item(1, 'photo')
    photo = upload()
    result = check([q], {}, {'q1': photo})
    assert result.photo_items == [(q, photo)]
    assert result.ok and result.values == {}


def test_a_required_photo_without_a_file_is_refused_an_optional_one_skipped():
    required, optional = item(1, 'photo'), item(2, 'photo', required=False)
    result = check([required, optional], {'q1': 'pass'}, {'q1': upload(''), 'q2': upload('')})
    assert result.errors == {'1': 'Please add a photo.'}
    assert result.photo_items == [] and result.values == {}


def test_a_photo_item_is_never_answered_by_a_form_field():
    result = check([item(1, 'photo', required=False)], {'q1': 'fail'})
    assert result.values == {} and result.failed == [] and result.errors == {}


# --- score -----------------------------------------------------------------------------------------------

def test_check_answers_scores_a_scored_checklist():
    items = [item(1, points=2), item(2, points=3), item(3, 'text', required=False)]
    result = check(items, {'q1': 'pass', 'q2': 'fail'})
    assert (result.score, result.max_score) == (2.0, 5.0)


def test_check_answers_leaves_an_unscored_checklist_without_score():
    result = check([item(1)], {'q1': 'pass'})
    assert result.score is None and result.max_score is None


def test_score_without_points_is_none():
    assert score([item(1), item(2, points=None)], {'1': 'pass', '2': 'pass'}) == (None, None)
    bare = SimpleNamespace(id=1, item_type='pass_fail')     # an item without the field
    assert score([bare], {'1': 'pass'}) == (None, None)


def test_score_counts_a_passed_item_and_not_a_failed_or_missing_one():
    items = [item(1, points=1), item(2, points=2), item(3, points=4), item(4)]
    assert score(items, {'1': 'pass', '2': 'fail', '4': 'pass'}) == (1.0, 7.0)


def test_score_of_numbers_counts_those_inside_their_ok_range_bounds_included():
    items = [item(1, 'number', min_value=1, max_value=2, points=1),
             item(2, 'number', min_value=1, max_value=2, points=10),
             item(3, 'number', min_value=1, max_value=2, points=100),
             item(4, 'number', min_value=1, max_value=2, points=1000)]
    assert score(items, {'1': 1.0, '2': 2.0, '3': 0.5, '4': 2.5}) == (11.0, 1111.0)


def test_score_of_a_number_with_one_bound_or_none():
    items = [item(1, 'number', min_value=1, points=1), item(2, 'number', max_value=1, points=10),
             item(3, 'number', points=100)]
    assert score(items, {'1': 0.0, '2': 0.0, '3': -5.0}) == (110.0, 111.0)
    assert score(items, {'1': 9.0, '2': 9.0, '3': 5.0}) == (101.0, 111.0)


def test_score_of_other_items_counts_any_answer():
    items = [item(1, 'choice', points=1), item(2, 'text', points=2), item(3, 'photo', points=4)]
    total, possible = score(items, {'1': '一般', '2': 'x'})
    assert (total, possible) == (3.0, 7.0)
    assert isinstance(total, float) and isinstance(possible, float)


def test_score_of_nothing_answered_is_zero_of_the_possible():
    assert score([item(1, points=2.5)], {}) == (0.0, 2.5)


# --- passed, combined_score ------------------------------------------------------------------------------

def test_passed_against_the_pass_mark():
    template = SimpleNamespace(pass_mark=80)
    assert passed(template, 80) is True
    assert passed(template, 79.5) is False
    assert passed(template, None) is None
    assert passed(SimpleNamespace(pass_mark=None), 0) is True


def test_combined_score_adds_or_averages_and_skips_missing_scores():
    assert combined_score([1, None, 2, 6]) == 9
    assert combined_score([1, None, 2, 6], 'sum') == 9
    assert combined_score([1, None, 2, 6], 'mean') == 3
    assert combined_score([None, None]) is None
    assert combined_score([], 'mean') is None
    assert combined_score([0, 0], 'mean') == 0


# --- plausible_range -------------------------------------------------------------------------------------

def test_plausible_range_is_two_widths_beyond_the_ok_range():
    low, high = plausible_range(item(1, 'number', min_value=1.0, max_value=1.4))
    assert low == pytest.approx(0.2) and high == pytest.approx(2.2)


def test_plausible_range_never_goes_below_zero_for_a_range_from_zero_up():
    assert plausible_range(item(1, 'number', min_value=0, max_value=10)) == (0, 30)
    assert plausible_range(item(1, 'number', min_value=5, max_value=10)) == (0, 20)


def test_plausible_range_of_a_negative_range_goes_below_zero():
    assert plausible_range(item(1, 'number', min_value=-10, max_value=-5)) == (-20, 5)
    assert plausible_range(item(1, 'number', min_value=-1, max_value=1)) == (-5, 5)


def test_plausible_range_of_a_single_value_is_that_value():
    low, high = plausible_range(item(1, 'number', min_value=3, max_value=3))
    assert low == pytest.approx(3) and high == pytest.approx(3)
    assert low < 3 < high


def test_plausible_range_needs_both_bounds():
    assert plausible_range(item(1, 'number', min_value=1)) == (None, None)
    assert plausible_range(item(1, 'number', max_value=1)) == (None, None)
    assert plausible_range(item(1, 'number')) == (None, None)


# --- failure_summary, expiry_note ------------------------------------------------------------------------

def test_failure_summary_is_a_line_per_item_with_units():
    items = [item(1, label='灭火器压力'), item(2, 'number', unit='MPa', label='压力'),
             item(3, 'number', label='温度'), item(4, 'choice', label='状态')]
    answers = {'1': 'fail', '2': 0.5, '3': 30.0, '4': '一般'}
    assert failure_summary(items, answers) == '灭火器压力: fail\n压力: 0.5 MPa\n温度: 30\n状态: 一般'


def test_failure_summary_of_nothing_is_empty():
    assert failure_summary([], {}) == ''


def test_expiry_note_says_expired_or_valid():
    today = datetime.date(2026, 12, 2)
    assert expiry_note(SimpleNamespace(expires_on=datetime.date(2026, 12, 1)), today) == \
        'Expired on 2026-12-01 — refill or replace it.'
    assert expiry_note(SimpleNamespace(expires_on=today), today) == 'Valid until 2026-12-02.'


def test_expiry_note_without_a_date_is_empty():
    assert expiry_note(SimpleNamespace(expires_on=None)) == ''
    assert expiry_note(SimpleNamespace()) == ''


def test_expiry_note_defaults_to_today():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    assert expiry_note(SimpleNamespace(expires_on=tomorrow)).startswith('Valid until')
    assert expiry_note(SimpleNamespace(expires_on=yesterday)).startswith('Expired on')


# --- every item is checked, whatever came before it ------------------------------------------------------

@pytest.mark.parametrize('first,form,files', [
    (item(1, 'photo'), {}, {'q1': upload()}),                         # a photo kept
    (item(1, 'photo'), {}, {}),                                       # a photo missing
    (item(1), {'q1': ''}, {}),                                        # a blank answer
    (item(1), {'q1': 'maybe'}, {}),                                   # not pass or fail
    (item(1, 'number'), {'q1': 'abc'}, {}),                           # not a number
    (item(1, 'number', min_value=1, max_value=2), {'q1': '99'}, {}),  # a typo
    (item(1, 'choice', choices=['a']), {'q1': 'b'}, {}),              # not an option
])
def test_the_item_after_a_refused_or_skipped_one_is_still_checked(first, form, files):
    last = item(2)
    result = check([first, last], {**form, 'q2': 'fail'}, files)
    assert result.values.get('2') == 'fail'
    assert result.failed == [last]
    result = check([first, last], form, files)
    assert result.errors['2'] == 'Please answer this.'


def test_score_counts_the_items_after_an_unanswered_one():
    assert score([item(1, points=1), item(2, points=2)], {'2': 'pass'}) == (2.0, 3.0)


def test_failure_summary_says_fail_in_the_users_language(app):
    with app.test_request_context(headers={'Accept-Language': 'zh-CN'}):
        assert failure_summary([item(1, label='灭火器')], {'1': 'fail'}) == '灭火器: 不合格'
