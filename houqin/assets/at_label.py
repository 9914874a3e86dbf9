"""What an asset's scan page shows of loans, permits and transfers, by the viewer's permissions: the guard's gate
verdict (允许出门 / 不允许出门, with the permit; the scan is the logged gate check), the open loan with its
one-tap return for the logistics office, and links to lend, issue a permit or ask for a transfer. Nothing is
read for a viewer who may see none of it."""
import dataclasses

from houqin.assets.loans import is_overdue, open_loan_of
from houqin.assets.permits import record_gate_check, verdict
from houqin import clock
from houqin.clock import utcnow
from houqin.models import Campus, GateCheck
from houqin.permissions import can


@dataclasses.dataclass
class LabelPanel:
    """The asset's loan and gate state as this viewer may see it, and what they may do."""
    item: object
    gate: object = None         # permits.Verdict, for those who check the gate or read permits
    check: GateCheck = None     # the guard's logged gate check
    loan: object = None         # the open loan, for those who may see loans
    overdue: bool = False
    may_return: bool = False
    may_lend: bool = False
    may_permit: bool = False
    may_transfer: bool = False


def label_panel(item, user, role, now=None):
    """The panel for an asset's label, or None when the viewer may see none of it; a guard's view is logged as a
    gate check."""
    guard = can('gate.check', role)
    sees_loans, sees_permits = can('loans.view', role), can('permits.view', role)
    panel = LabelPanel(item, may_lend=can('loans.manage', role), may_permit=can('permits.issue', role),
                       may_transfer=can('transfers.request', role))
    if not (guard or sees_loans or sees_permits or panel.may_transfer):
        return None
    now = now or utcnow()
    if guard or sees_permits:
        panel.gate = verdict(item, now)
        if guard:
            panel.check = record_gate_check(item, user, panel.gate, now)
    if sees_loans:
        panel.loan = open_loan_of(item)
        if panel.loan is not None:
            panel.overdue = is_overdue(panel.loan, clock.today(Campus.zone_of(item.campus_id), now))
            panel.may_return = panel.may_lend
            panel.may_lend = False
    return panel
