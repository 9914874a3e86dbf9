#!/usr/bin/env bash
# The tests of the demo and the school calendar, run as if it were each moment below (Debian's faketime:
# apt-get install faketime). The suite must pass whatever day it runs on; these are the moments where a school's
# calendar turns. Usage: tools/calendar_turns.sh [moment ...]   (a moment as faketime reads it, e.g. '@2027-07-20 04:00:00')
set -uo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "needs faketime (apt-get install faketime)" >&2; exit 2; }
moments=("$@")
[ ${#moments[@]} -gt 0 ] || moments=(
  '@2026-12-05 12:00:00'  # Saturday 20:00 in Shanghai
  '@2026-12-06 16:30:00'  # Monday 00:30: the week has no check yet
  '@2026-10-03 04:00:00'  # 国庆节
  '@2027-01-02 01:00:00'  # 元旦, orders of two years
  '@2027-02-01 04:00:00'  # the winter break
  '@2027-05-02 10:00:00'  # 劳动节
  '@2027-07-20 04:00:00'  # the summer
  '@2027-09-03 04:00:00'  # a term's first week
)
files=(tests/test_demo.py tests/test_canteen_routines.py tests/test_patrol_done.py tests/test_patrol_reports.py
       tests/test_patrol_http.py tests/test_routine_views.py tests/test_term_report.py tests/test_ledgers_demo.py
       tests/test_scores_classes.py tests/test_scores_weekly.py tests/test_field_fixes.py tests/test_zh_pages.py
       tests/test_smoke.py tests/browser/test_board_tv.py tests/browser/test_term_report_pdf.py)
status=0
for moment in "${moments[@]}"; do
  result=$(faketime -f "$moment" .venv/bin/python -m pytest -q -p no:cacheprovider "${files[@]}" 2>&1 \
           | grep -E '^(FAILED|ERROR)|passed|failed')
  echo "== $moment: $result"
  grep -q -E 'failed|error' <<<"$result" && status=1
done
exit $status
