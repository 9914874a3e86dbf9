"""Issue 17's thirteen planted bugs, planted again: each one-line bug in a scratch copy of HEAD, one at a time,
and the tests that must catch it run (`--runs` times each); a bug counts as caught only when every run fails.

    python bench/planted.py [--runs 2] [--only WORDS]

Not in CI (a few minutes). The figures are in bench/README.md.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RULES = ['tests/test_repairs_rules.py', 'tests/test_core_workflow.py']
# (the bug, file, the line as it is, the line planted, the tests that must fail)
PLANTS = [
    ('managers get admin.users', 'houqin/permissions.py',
     "'admin.users': {'admin'},", "'admin.users': {'admin', 'manager'},", ['tests/test_permissions.py']),
    ('repair workers get notify.configure', 'houqin/permissions.py',
     "'notify.configure': {'admin'},", "'notify.configure': {'admin', 'repair'},", ['tests/test_permissions.py']),
    ('a repair worker may verify their own job', 'houqin/repairs/workflow.py',
     "'verify': ({'done': 'verified'}, {'reporter'} | MANAGER_ROLES),",
     "'verify': ({'done': 'verified'}, {'reporter', 'worker'} | MANAGER_ROLES),", RULES),
    ('the reporter may close an order', 'houqin/repairs/workflow.py',
     "'close': ({'done': 'closed', 'verified': 'closed'}, MANAGER_ROLES),",
     "'close': ({'done': 'closed', 'verified': 'closed'}, {'reporter'} | MANAGER_ROLES),", RULES),
    ('finish allowed from accepted, skipping start', 'houqin/repairs/workflow.py',
     "'finish': ({'in_progress': 'done'},", "'finish': ({'in_progress': 'done', 'accepted': 'done'},", RULES),
    ('photo pixel limit disabled', 'houqin/photos.py',
     "            if image.width * image.height > limit:\n", "            if False:\n",
     ['tests/test_core_photos.py', 'tests/test_photos.py']),
    ("bursts computed over all guards' scans", 'houqin/patrol/checkpoints.py',
     '.where((PatrolScan.user == user_id) & PatrolScan.created_at.between(',
     '.where((PatrolScan.user == PatrolScan.user) & PatrolScan.created_at.between(',
     ['tests/test_core_checkpoints.py', 'tests/test_patrol_scan.py']),
    ('burst window edge <= → <', 'houqin/patrol/evidence.py',
     '.total_seconds() <= seconds:', '.total_seconds() < seconds:', ['tests/test_core_evidence.py']),
    ('the losing copy of a submission race re-raises', 'houqin/scan/records.py',
     '        existing = Record.get_or_none(Record.uuid == key)\n        if existing is None:\n            raise\n',
     '        raise\n', ['tests/test_core_records.py', 'tests/test_races.py']),
    ('confusable letters translated before upper-casing', 'houqin/tags.py',
     '.upper().translate(CONFUSABLES)', '.translate(CONFUSABLES).upper()', ['tests/test_core_tags.py', 'tests/test_tags.py']),
    ('burst counts scans instead of distinct places', 'houqin/patrol/evidence.py',
     'places = {scans[i][1] for i in window}', 'places = [scans[i][1] for i in window]', ['tests/test_core_evidence.py']),
    ('the same-label check of a resubmission dropped', 'houqin/scan/records.py',
     "f'{tag.campus_id}|{tag.id}|{who}|{submission_id}'", "f'{tag.campus_id}|{who}|{submission_id}'",
     ['tests/test_core_records.py', 'tests/test_scan.py']),
    ('a new submission id made for each POST', 'houqin/scan/views.py',
     "    return parse_submission_id(request.form.get('submission_id'))\n", '    return new_submission_id()\n',
     ['tests/test_scan.py', 'tests/test_scan_actions.py']),
]


def plant_and_test(copy, path, old, new, tests, runs):
    """[(failed?, seconds, the first failing test)] for `runs` runs of the tests with the bug planted."""
    target = os.path.join(copy, path)
    with open(target, encoding='utf-8') as fh:
        text = fh.read()
    if text.count(old) != 1:
        raise SystemExit(f'{path}: the line to plant is not there exactly once: {old!r}')
    with open(target, 'w', encoding='utf-8') as fh:
        fh.write(text.replace(old, new))
    verdicts = []
    try:
        for _ in range(runs):
            started = time.time()
            done = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-x', '-n', '0', '-p', 'no:cacheprovider',
                                   *tests], cwd=copy, env=dict(os.environ, PYTHONPATH=copy),
                                  capture_output=True, text=True)
            first = next((line.split(' - ')[0][len('FAILED '):] for line in done.stdout.splitlines()
                          if line.startswith('FAILED')), '')
            verdicts.append((done.returncode == 1, round(time.time() - started), first))
    finally:
        with open(target, 'w', encoding='utf-8') as fh:
            fh.write(text)
    return verdicts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=2)
    parser.add_argument('--only', default='', help='plant only the bugs whose description contains this')
    args = parser.parse_args()
    copy = os.path.join(tempfile.mkdtemp(prefix='houqin-planted-'), 'tree')
    subprocess.run(['git', 'worktree', 'add', '--detach', copy, 'HEAD'], cwd=ROOT, check=True, capture_output=True)
    caught = 0
    wanted = [p for p in PLANTS if args.only in p[0]]
    try:
        print('| planted bug | caught on every run? | runs (s) | first failing test |\n| --- | --- | --- | --- |')
        for bug, path, old, new, tests in wanted:
            verdicts = plant_and_test(copy, path, old, new, tests, args.runs)
            every = all(failed for failed, _s, _t in verdicts)
            caught += every
            print(f'| {bug} | {"yes" if every else "**no**"} ({sum(f for f, _s, _t in verdicts)} of {len(verdicts)}) | '
                  f'{", ".join(str(s) for _f, s, _t in verdicts)} | `{verdicts[0][2] or "none"}` |', flush=True)
    finally:
        subprocess.run(['git', 'worktree', 'remove', '--force', copy], cwd=ROOT, capture_output=True)
        shutil.rmtree(os.path.dirname(copy), ignore_errors=True)
    print(f'\n{caught} of {len(wanted)} caught on every run.')
    return 0 if caught == len(wanted) else 1


if __name__ == '__main__':
    sys.exit(main())
