"""Mutation score of the core domain modules (issue 17): mutmut 3 over each module, one module at a time.

    pip install -e '.[bench]'            # mutmut 3 (bench only: not in CI, not in the app)
    python bench/mutation.py             # every module below, then the score in all
    python bench/mutation.py --module tags --module photos
    python bench/mutation.py --list      # the modules and the tests each one runs
    python bench/mutation.py --module tags --again   # only what the last run left alive or untested
    python bench/mutation.py --report    # the last runs' figures and survivors, running nothing

Each module runs in its own scratch folder bench/out/mutation/<module>/ (git-ignored): mutmut copies the
package into mutants/ there and runs pytest in-process in that copy, on SQLite, without xdist (the trampolines
of mutmut 3 need the tests in the process that forks the mutants), with one child process at a time. Only the
test files listed for the module run, so a module takes minutes. Every run starts fresh, so a test added since
the last run counts; `--again` keeps the last run's verdicts and tests only the mutants it left alive or did
not reach (an interrupted run goes on; survivors meet the tests added for them). The figures go to stdout
and to bench/out/mutation/summary.json; every surviving mutant's diff is printed (or `--diffs FILE`).

mutmut 3 mutates code inside functions and methods only: module-level tables (permissions.PERMISSIONS,
repairs.workflow.TRANSITIONS) are not mutated by it; tests/test_permissions.py and tests/test_repairs_rules.py
pin those as literal truth tables instead.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'bench' / 'out' / 'mutation'

# module name -> (source file, the test files that exercise it)
MODULES = {
    'permissions': ('houqin/permissions.py', [
        'tests/test_core_permissions.py', 'tests/test_permissions.py']),
    'repairs.workflow': ('houqin/repairs/workflow.py', [
        # the fast files only: not test_repairs_rules.py (its HTTP cells take 17 s a mutant; the table it pins is
        # module level, which mutmut does not mutate), not test_repairs_numbering.py (its gunicorn workers cannot
        # boot from mutmut's trampolined copy)
        'tests/test_core_workflow.py', 'tests/test_repairs_workflow.py', 'tests/test_races.py']),
    'patrol.rounds': ('houqin/patrol/rounds.py', [
        'tests/test_core_rounds.py', 'tests/test_patrol_rounds.py']),
    'patrol.evidence': ('houqin/patrol/evidence.py', [
        'tests/test_core_evidence.py', 'tests/test_patrol_rounds.py']),
    # record_scan called directly, not through the scan page (the HTTP patrol tests took minutes a mutant)
    'patrol.checkpoints': ('houqin/patrol/checkpoints.py', [
        'tests/test_core_checkpoints.py', 'tests/test_patrol_scan.py']),
    'scan.records': ('houqin/scan/records.py', [
        'tests/test_core_records.py', 'tests/test_races.py']),
    'tags': ('houqin/tags.py', [
        'tests/test_core_tags.py', 'tests/test_tags.py', 'tests/test_scan_resolve.py']),
    'photos': ('houqin/photos.py', [
        'tests/test_core_photos.py', 'tests/test_photos.py']),
    'checklists.answers': ('houqin/checklists/answers.py', [
        'tests/test_core_answers.py', 'tests/test_checklists.py']),
    # the engine and its schedules are pure: their pure tests only (test_routines.py, through the database and
    # HTTP, adds nothing they miss and takes seconds a mutant)
    'routines.compliance': ('houqin/routines/compliance.py', [
        'tests/test_core_compliance.py', 'tests/test_compliance.py']),
    'routines.schedule': ('houqin/routines/schedule.py', [
        'tests/test_core_schedule.py', 'tests/test_compliance.py']),
}

# mutmut's exit codes per mutant (mutmut/stats.py); a timeout means the mutant made the tests hang: detected.
KILLED, TIMEOUT, SURVIVED, NO_TESTS = {1, 3}, {36, 24, -24, 152, 255}, {0}, {5, 33}


def tests_of(name):
    """The module's test files that exist (a tests/test_core_*.py may not be written yet)."""
    return [t for t in MODULES[name][1] if (ROOT / t).exists()]


def prepare(name):
    """A fresh scratch folder for one module: links to the package and the tests, and a pyproject.toml that
    is the project's own plus mutmut's settings (so the real one stays as it is)."""
    work = OUT / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for linked in ('houqin', 'tests', 'templates', 'static'):
        (work / linked).symlink_to(ROOT / linked)
    write_settings(name, work)
    return work


def write_settings(name, work):
    """The scratch folder's pyproject.toml: the project's own plus mutmut's settings for the module."""
    source, _ = MODULES[name]
    settings = {
        'source_paths': ['houqin'],           # the whole package is copied, so `import houqin` finds the copy
        'only_mutate': [source],
        'also_copy': ['templates/', 'static/'],  # the app finds them beside the package (houqin/config.py)
        # in-process, one worker, no cache: the project's addopts ask for xdist (-n auto)
        'pytest_add_cli_args': ['-n', '0', '-p', 'no:cacheprovider', '-W', 'ignore::DeprecationWarning'],
        'pytest_add_cli_args_test_selection': tests_of(name),
        'use_git_change_detection': False,
    }
    lines = ['', '[tool.mutmut]'] + [f'{key} = {json.dumps(value)}' for key, value in settings.items()]
    (work / 'pyproject.toml').write_text((ROOT / 'pyproject.toml').read_text('utf-8') + '\n'.join(lines) + '\n',
                                         'utf-8')


def mutmut_command():
    """The mutmut next to this Python (the venv's), else the one on PATH."""
    here = Path(sys.executable).parent / 'mutmut'
    return [str(here)] if here.exists() else ['mutmut']


def meta_file(name):
    """mutmut's results file of one module in its scratch folder."""
    return OUT / name / 'mutants' / (MODULES[name][0] + '.meta')


def run_module(name, log, again=False):
    """Run mutmut over one module; returns {mutant name: exit code}.

    again: keep the last run's folder and verdicts and test only the mutants it did not kill or did not reach
    (an interrupted run goes on), with the tests as they are now: mutmut maps new tests to functions first."""
    if again:
        if not meta_file(name).exists():
            raise SystemExit(f'{name}: no earlier run to repeat in {OUT / name}')
        work = OUT / name
        write_settings(name, work)
        codes = json.loads(meta_file(name).read_text())['exit_code_by_key']
        names = sorted(m for m, code in codes.items() if code not in KILLED | TIMEOUT)
        if not names:
            return codes, work
    else:
        work, names = prepare(name), []
    env = {k: v for k, v in os.environ.items() if k != 'HOUQIN_TEST_DATABASE_URL'}  # SQLite: cheap and local
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    with open(log, 'a' if again else 'w') as out:
        done = subprocess.run(mutmut_command() + ['run', '--max-children', '1'] + names, cwd=work, env=env,
                              stdout=out, stderr=subprocess.STDOUT)
    meta = meta_file(name)
    if not meta.exists():
        raise SystemExit(f'{name}: mutmut made no results (exit {done.returncode}); see {log}')
    codes = json.loads(meta.read_text())['exit_code_by_key']
    if codes and all(code is None for code in codes.values()):
        raise SystemExit(f'{name}: no mutant was tested (mutmut exit {done.returncode}: its clean test run or '
                         f'stats failed); see {log}')
    return codes, work


def diff_of(work, mutant):
    """mutmut's diff of one mutant."""
    shown = subprocess.run(mutmut_command() + ['show', mutant], cwd=work, capture_output=True, text=True)
    return shown.stdout.strip()


def tally(codes):
    """Counts of one module's mutants by outcome."""
    count = {'killed': 0, 'timeout': 0, 'survived': 0, 'no_tests': 0, 'untested': 0, 'other': 0}
    for code in codes.values():
        key = ('killed' if code in KILLED else 'timeout' if code in TIMEOUT else 'survived' if code in SURVIVED
               else 'no_tests' if code in NO_TESTS else 'untested' if code is None else 'other')
        count[key] += 1
    count['total'] = len(codes)
    count['detected'] = count['killed'] + count['timeout']
    return count


def percent(detected, total):
    """The score as a percentage with one decimal."""
    return f'{100 * detected / total:.1f} %' if total else '—'


def main():
    """Parse the options, run each module, print the score and the survivors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--module', action='append', choices=sorted(MODULES), help='repeatable; default: all')
    parser.add_argument('--list', action='store_true', help='print the modules and their tests, run nothing')
    parser.add_argument('--diffs', help='write every surviving mutant diff to this file instead of stdout')
    parser.add_argument('--report', action='store_true',
                        help="run nothing: the figures and survivors of each module's last run, as they stand")
    parser.add_argument('--again', action='store_true',
                        help="re-test only the mutants the last run left alive or untested (after adding tests, "
                             "or to finish an interrupted run)")
    args = parser.parse_args()
    names = args.module or list(MODULES)
    if args.list:
        for name in names:
            print(f'{name:20} {MODULES[name][0]:34} {" ".join(tests_of(name))}')
        return
    OUT.mkdir(parents=True, exist_ok=True)
    summary_file = OUT / 'summary.json'
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    diffs = []
    for name in names:
        if not args.report:
            print(f'{name}: mutmut over {MODULES[name][0]} with {" ".join(tests_of(name))}', flush=True)
        if args.report:
            if not meta_file(name).exists():
                continue
            codes, work = json.loads(meta_file(name).read_text())['exit_code_by_key'], OUT / name
        else:
            codes, work = run_module(name, OUT / f'{name}.log', args.again)
        count = tally(codes)
        survivors = sorted(m for m, code in codes.items() if code is not None and code not in KILLED | TIMEOUT)
        count['survivors'] = {m: codes[m] for m in survivors}
        summary[name] = count
        print(f'{name}: {count["detected"]}/{count["total"]} killed ({percent(count["detected"], count["total"])}); '
              f'{count["timeout"]} of them by timeout; {count["survived"]} survived, {count["no_tests"]} '
              f'without tests, {count["other"]} other'
              + (f'; {count["untested"]} not tested yet (an interrupted run)' if count['untested'] else ''), flush=True)
        diffs += [f'## {m} (exit {codes[m]})\n{diff_of(work, m)}\n' for m in survivors]
    summary_file.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + '\n')
    print('\nmodule                 killed / total   score')
    for name in [n for n in MODULES if n in summary]:
        c = summary[name]
        tested = c['total'] - c.get('untested', 0)
        partial = f'   (partial: {tested} of {c["total"]} tested, {percent(c["detected"], tested)} of them killed)' \
            if tested < c['total'] else ''
        print(f'{name:22} {c["detected"]:6} / {c["total"]:<5}  {percent(c["detected"], c["total"])}{partial}')
    detected = sum(c['detected'] for c in summary.values())
    total = sum(c['total'] for c in summary.values())
    print(f'{"in all":22} {detected:6} / {total:<5}  {percent(detected, total)}   ({summary_file})')
    text = '\n'.join(diffs)
    if args.diffs:
        Path(args.diffs).write_text(text)
    elif text:
        print('\n# surviving mutants\n' + text)


if __name__ == '__main__':
    main()
