"""The permission table: which role may do what. Every view names one permission with @requires."""
import functools

from flask import abort, current_app, g
from flask_login import current_user

from houqin.vocab import ROLES

ALL_ROLES = frozenset(ROLES)
PUBLIC = 'public'        # anyone, signed in or not
SIGNED_IN = 'signed_in'  # anyone signed in, with or without a role

# The permission table: which roles may do what. Every view names one of these (or PUBLIC / SIGNED_IN);
# tests/test_permissions.py walks the route map and fails for a view that names none.
PERMISSIONS = {
    'admin.view': {'admin', 'manager', 'viewer', 'inspector'},  # browse places, items, the audit log
    'admin.places': {'admin', 'manager'},                # create, edit, delete places and items
    'admin.import': {'admin', 'manager'},                # bulk import of places and items
    'admin.users': {'admin'},                            # accounts and roles
    'admin.campus': {'admin'},                           # campus settings
    'photos.view': set(ALL_ROLES),                       # photos of records on one's own campus
    'checklists.edit': {'admin', 'manager'},             # edit checklists (each save is a new version)
    'scan.clean': {'admin', 'manager', 'janitor'},       # sign off a cleaning at a label
    'scan.inspect': {'admin', 'manager', 'inspector'},   # run an inspection checklist at a label
    'scan.canteen': {'admin', 'manager', 'canteen'},     # canteen records (disinfection) at a label
    'scan.use': {'admin', 'manager', 'teacher'},         # function-room use form at a label
    'scan.report': set(ALL_ROLES),                       # report damage at a label (signed in)
    'scan.activity': set(ALL_ROLES),                     # any other activity at a label: whom its routine names
                                                         # (or, for a checklist, routines.inspect); offer_for decides
    'scan.history': set(ALL_ROLES),                      # the last records at a label
    'labels.print': {'admin', 'manager'},                # print, reprint, pre-print and attach QR labels
    'labels.layouts': {'admin'},                         # add and edit label layouts
    'repairs.report': set(ALL_ROLES),                    # report a problem (报修), 我的报修, verify one's own repairs
    'repairs.work': {'repair'},                          # 我的工单: accept, start and finish repair jobs
    'repairs.view': {'admin', 'manager', 'viewer', 'inspector'},  # the repair board, every order, the ledger and counts
    'repairs.manage': {'admin', 'manager'},              # assign (also in bulk), reject, merge, close, compensation
    'repairs.configure': {'admin'},                      # categories' default assignees, due hours by priority
    'notify.configure': {'admin'},                       # notification channels (webhooks, e-mail), test messages
    'patrol.scan': {'guard'},                            # a checkpoint scan records itself; anomalies
    'patrol.duty': {'admin', 'manager', 'guard'},        # tonight's rounds and the duty log (值班记录)
    'patrol.manage': {'admin', 'manager'},               # patrol routes, rounds, holidays, checkpoint labels
    'patrol.reports': {'admin', 'manager', 'viewer', 'inspector'},  # patrol reports per night and guard, duty sheets
    'routines.view': {'admin', 'manager', 'viewer', 'inspector'},  # dashboard, compliance, records, campaigns (read)
    'routines.manage': {'admin', 'manager'},             # routines, the campus calendar (terms, holidays), campaigns
    'routines.inspect': {'admin', 'manager', 'inspector'},  # run inspections, checks and campaigns at labels
    'routines.today': set(ALL_ROLES),                    # 今日任务: one's own due routines
    'stocktake.view': {'admin', 'manager', 'viewer', 'inspector'},  # stocktakes and their reconciliation (清点)
    'stocktake.manage': {'admin', 'manager'},            # open a stocktake, settle its differences, sign it off
    'stocktake.count': set(ALL_ROLES),                   # count by scanning, in a stocktake one is a counter of
    'custody.view': {'admin', 'manager', 'viewer', 'inspector'},  # the term's custody lists (责任书), print, compare
    'custody.manage': {'admin', 'manager'},              # generate a term's custody lists, charge damage to a class
    'custody.sign': set(ALL_ROLES),                      # 我的班级财产: sign one's own class's list (as its head teacher)
    'loans.view': {'admin', 'manager', 'viewer', 'inspector'},  # loans (借用): open, overdue, returned
    'loans.manage': {'admin', 'manager'},                # lend an asset, take it back (by scanning its label)
    'transfers.request': {'admin', 'manager', 'teacher'},  # ask to move an asset (部门转移); teachers see their own
    'transfers.approve': {'admin', 'manager'},           # approve or refuse transfers (not one's own, but the admin)
    'permits.view': {'admin', 'manager', 'guard', 'viewer', 'inspector'},  # off-campus permits (出门条), gate checks
    'permits.issue': {'admin', 'manager'},               # issue and cancel off-campus permits
    'gate.check': {'guard'},                             # an asset's scan shows 允许出门 / 不允许出门 and is logged
    'supplies.view': {'admin', 'manager', 'viewer', 'inspector'},  # supplies, their balances and in/out ledger
    'supplies.manage': {'admin', 'manager'},             # add supplies, receive (入库) and issue (领用) them
    'canteen.view': {'admin', 'manager', 'canteen', 'viewer', 'inspector'},  # the canteen's day: samples, checks, certificates
    'canteen.record': {'admin', 'manager', 'canteen'},   # keep and dispose of samples, morning checks, deliveries, staff
    'ledgers.export': {'admin', 'manager', 'viewer', 'inspector'},  # the ledgers page and its downloads (台账)
    'classes.manage': {'admin', 'manager'},              # add and edit classes, their head teachers and classrooms
    'scores.view': {'admin', 'manager', 'teacher', 'viewer', 'inspector'},  # weekly hygiene scores by grade, 卫生流动锦旗
    'reports.view': {'admin', 'manager', 'viewer', 'inspector'},  # the printable term report (学期总结)
    'scrap.request': set(ALL_ROLES) - {'viewer'},       # ask to scrap an asset (报废申请) from its page or label
    'scrap.sign': set(ALL_ROLES),                        # scrapping requests: waiting for me, a request's page, sign
                                                         # or refuse a step — whose step it is, is the step's rule
                                                         # (assets.scrapping: office manager, named storekeeper, admin)
}


def requires(permission):
    """Mark a view as needing a permission from the table (or PUBLIC / SIGNED_IN)."""
    if permission not in PERMISSIONS and permission not in (PUBLIC, SIGNED_IN):
        raise ValueError(f'unknown permission {permission!r}')

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if permission != PUBLIC:
                if not current_user.is_authenticated:
                    return current_app.login_manager.unauthorized()
                if permission != SIGNED_IN and not can(permission):
                    abort(403)
            return view(*args, **kwargs)
        wrapped.permission = permission
        return wrapped
    return decorate


def can(permission, role=None):
    """True when the role (default: the current user's on this campus) holds the permission."""
    role = role if role is not None else g.get('role')
    return permission in (PUBLIC, SIGNED_IN) or role in PERMISSIONS.get(permission, ())
