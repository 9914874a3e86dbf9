"""Only what pyproject.toml cannot say: a wheel carries every file under templates/ and static/ (installed
under <prefix>/share/houqin), found by walking the folders so a new area's templates are never left out."""
import os

from setuptools import setup


def data_files(*folders):
    """(install folder, [files]) for every folder below the given ones."""
    found = []
    for top in folders:
        for folder, _dirs, files in sorted(os.walk(top)):
            if files:
                found.append((os.path.join('share', 'houqin', folder), sorted(os.path.join(folder, f) for f in files)))
    return found


setup(data_files=data_files('templates', 'static'))
