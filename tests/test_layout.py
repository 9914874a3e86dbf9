"""The layout's one rule, checked over the source: areas are packages over single-module foundations,
imports sit at the top of the file, and nothing imports in a circle."""
import ast
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / 'houqin'
# The composition root: it builds the app (or the demo school) from every area, so it may import them.
COMPOSITION_ROOT = {'houqin', 'houqin.demo'}


def module_name(path):
    """houqin/scan/views.py -> houqin.scan.views; houqin/scan/__init__.py -> houqin.scan."""
    parts = list(path.relative_to(ROOT).with_suffix('').parts)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def sources():
    """{module name: parsed tree} of the package, without the frozen migrations."""
    found = {}
    for path in sorted(PACKAGE.rglob('*.py')):
        if 'migrations' not in path.parts:
            found[module_name(path)] = ast.parse(path.read_text(encoding='utf-8'), str(path))
    return found


MODULES = sources()


def imports(tree):
    """(node, module names it imports, at the top of the file?) for each import of the project's own code."""
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split('.')[0] == 'houqin':
            targets = []
            for alias in node.names:
                sub = f'{node.module}.{alias.name}'
                targets.append(sub if sub in MODULES else node.module)
            yield node, targets, id(node) in top
        elif isinstance(node, ast.ImportFrom) and node.level:
            yield node, ['(relative)'], id(node) in top
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.split('.')[0] == 'houqin']
            if names:
                yield node, names, id(node) in top


def area_of(module):
    """The area package a module belongs to ('scan'), or None for a foundation module."""
    parts = module.split('.')
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()) else None


def test_project_imports_are_absolute_and_at_the_top():
    found = []
    for module, tree in MODULES.items():
        for node, targets, at_top in imports(tree):
            if not at_top:
                found.append(f'{module}:{node.lineno} imports {targets} inside a function')
            if '(relative)' in targets:
                found.append(f'{module}:{node.lineno} uses a relative import')
    assert not found, '\n'.join(found)


def test_nothing_inside_the_package_imports_its_init():
    found = [f'{module}:{node.lineno}' for module, tree in MODULES.items() if module != 'houqin'
             for node, targets, _top in imports(tree) if 'houqin' in targets]
    assert not found, 'houqin/__init__.py is the app factory; import the module you need instead: ' + ', '.join(found)


def test_no_import_cycles():
    graph = {module: {t for _n, targets, _t in imports(tree) for t in targets if t in MODULES and t != 'houqin'}
             for module, tree in MODULES.items()}
    state, cycles = {}, []

    def visit(module, trail):
        state[module] = 'open'
        for target in sorted(graph[module]):
            if state.get(target) == 'open':
                cycles.append(' -> '.join(trail[trail.index(target):] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[module] = 'done'
    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, '\n'.join(cycles)


def test_foundations_never_import_areas_and_no_one_imports_another_areas_views():
    found = []
    for module, tree in MODULES.items():
        mine = area_of(module)
        for node, targets, _top in imports(tree):
            for target in targets:
                theirs = area_of(target) if target in MODULES else None
                if theirs is None:
                    continue
                if mine is None and module not in COMPOSITION_ROOT:
                    found.append(f'foundation {module} imports area module {target}')
                leaf = target.rsplit('.', 1)[-1]
                if theirs != mine and module not in COMPOSITION_ROOT and (leaf == 'views' or leaf.endswith('_views')):
                    found.append(f'{module} imports another area\'s views: {target}')
    assert not found, '\n'.join(found)


def test_every_area_has_its_templates_folder_named_like_it():
    areas = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / '__init__.py').exists()} - {'migrations'}
    pages = {p.name for p in (ROOT / 'templates').iterdir() if p.is_dir()}
    with_views = {a for a in areas if any(f.name == 'views.py' or f.name.endswith('_views.py')
                                          for f in (PACKAGE / a).iterdir())}
    assert with_views - pages == set(), 'areas with views but no templates folder'
    assert pages - areas == {'errors'}, 'template folders with no area of that name'
    for area in sorted(areas & pages):
        used = set()
        for path in (PACKAGE / area).glob('*.py'):
            text = path.read_text(encoding='utf-8')
            used |= {part.split('/')[0] for part in text.split("render_template('")[1:]}
        assert used <= {area, 'errors'}, f'{area} renders templates of {used - {area}}'
    assert os.path.isdir(ROOT / 'static')
