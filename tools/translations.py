"""Keep the zh_CN catalogue in step with the code.

    python tools/translations.py update          # extract msgids, merge into the .po, compile the .mo
    python tools/translations.py add FILE.json   # set {"English msgid": "中文"} translations, then update
    python tools/translations.py missing         # list msgids without a Chinese translation

English msgids in the code; Simplified Chinese in houqin/translations/zh_Hans_CN. A file lock serialises
parallel runs, since every run rewrites the same catalogue.
"""
import fcntl
import json
import os
import subprocess
import sys

from babel.messages.pofile import read_po, write_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRANSLATIONS = os.path.join(ROOT, 'houqin', 'translations')
POT = os.path.join(ROOT, 'houqin', 'translations', 'messages.pot')
PO = os.path.join(TRANSLATIONS, 'zh_Hans_CN', 'LC_MESSAGES', 'messages.po')


def pybabel(*args):
    done = subprocess.run([sys.executable, '-m', 'babel.messages.frontend', *args], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr)


def update():
    pybabel('extract', '-F', 'babel.cfg', '-k', '_l', '--no-location', '--sort-output',
            '--omit-header', '-o', POT, 'houqin', 'templates')
    if os.path.exists(PO):
        pybabel('update', '-i', POT, '-d', TRANSLATIONS, '-l', 'zh_Hans_CN', '--no-fuzzy-matching',
                '--ignore-obsolete')
    else:
        pybabel('init', '-i', POT, '-d', TRANSLATIONS, '-l', 'zh_Hans_CN')
        with open(PO, 'rb') as fh:
            catalog = read_po(fh, locale='zh_Hans_CN')
        catalog.fuzzy = False
        write(catalog)
    pybabel('compile', '-d', TRANSLATIONS, '-l', 'zh_Hans_CN')


def write(catalog):
    with open(PO, 'wb') as fh:
        write_po(fh, catalog, no_location=True, sort_output=True, width=0)


def add(path):
    with open(path, encoding='utf-8') as fh:
        new = json.load(fh)
    update()
    with open(PO, 'rb') as fh:
        catalog = read_po(fh, locale='zh_Hans_CN')
    catalog.fuzzy = False
    for message in catalog:
        if message.id and not isinstance(message.id, tuple) and message.id in new:
            message.string = new[message.id]
            message.flags.discard('fuzzy')
    write(catalog)
    pybabel('compile', '-d', TRANSLATIONS, '-l', 'zh_Hans_CN')


def missing():
    """Msgids of the code without a translation in the catalogue."""
    with open(PO, 'rb') as fh:
        catalog = read_po(fh, locale='zh_Hans_CN')
    return [m.id for m in catalog if m.id and not m.string]


if __name__ == '__main__':
    os.makedirs(os.path.join(TRANSLATIONS, 'zh_Hans_CN', 'LC_MESSAGES'), exist_ok=True)
    with open(os.path.join(TRANSLATIONS, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        command = sys.argv[1] if len(sys.argv) > 1 else 'update'
        if command == 'update':
            update()
        elif command == 'add':
            add(sys.argv[2])
        elif command == 'missing':
            update()
            for msgid in missing():
                print(json.dumps(msgid, ensure_ascii=False))
        else:
            sys.exit(__doc__)
