"""permissions.requires and permissions.can as plain functions: unknown names refused, the view keeps its
permission, an unknown permission is held by no role — pinned for bench/mutation.py."""
import pytest

from houqin.permissions import PUBLIC, SIGNED_IN, can, requires


def view():
    """A stand-in view."""
    return 'ok'


def test_an_unknown_permission_is_refused_by_name():
    with pytest.raises(ValueError) as refused:
        requires('admin.everything')
    assert str(refused.value) == "unknown permission 'admin.everything'"


@pytest.mark.parametrize('permission', ['admin.view', 'repairs.work', PUBLIC, SIGNED_IN])
def test_a_known_permission_marks_the_view(permission):
    wrapped = requires(permission)(view)
    assert wrapped.permission == permission
    assert wrapped.__name__ == 'view'


def test_an_unknown_permission_is_held_by_no_role():
    assert can('admin.everything', 'admin') is False
    assert can('admin.users', 'admin') is True
    assert can('admin.users', 'manager') is False
    assert can(PUBLIC, 'teacher') is True
