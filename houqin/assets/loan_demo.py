"""The demo school's loans, transfers and off-campus permits (issue 16), made through the areas' own functions: a
projector on loan, a computer overdue, a returned one; a transfer waiting and one approved; a laptop's permit for
today with the guard's checks at the gate."""
import datetime

from houqin.assets.loans import Lending, lend, return_loan
from houqin.assets.permits import Permit, issue_permit, record_gate_check, verdict
from houqin.assets.transfers import Move, decide, request_transfer
from houqin.models import Item

# (asset number, borrower, class or department, lent days ago, due in days, returned days ago or None)
LOANS = (('TYY-0002', '李老师', '初二(1)班', 1, 6, None), ('DN-0002', '陈老师', '教务处', 12, -3, None),
         ('TYY-0003', '刘老师', '初一(2)班', 9, -2, 4))


def build_loans(campus, users, now):
    """Loans, transfers and a permit with its gate checks for the demo school; returns how many rows it made."""
    today = campus.today()
    manager, admin, teacher, guard = users['manager'], users['admin'], users['teacher'], users['guard']
    made = 0
    for number, name, unit, ago, due, back in LOANS:
        item = Item.get_or_none((Item.campus == campus) & (Item.asset_number == number))
        if item is None:
            continue
        lent_on = today - datetime.timedelta(days=ago)
        loan, _fresh = lend(campus, Lending(item, None, name, unit, lent_on, today + datetime.timedelta(days=due),
                                            '公开课' if ago < 3 else ''), manager, f'demo-loan-{number}',
                            now=now - datetime.timedelta(days=ago))
        if back is not None:
            return_loan(loan, manager, now=now - datetime.timedelta(days=back))
        made += 1
    chair, computer = (Item.get_or_none((Item.campus == campus) & (Item.asset_number == n)) for n in
                       ('YZ-0001', 'DN-0003'))
    if chair is not None:
        request_transfer(campus, Move(chair, None, '', '王老师', '班主任更换'), teacher, 'demo-transfer-1',
                         now=now - datetime.timedelta(hours=5))
        made += 1
    if computer is not None:
        moved = request_transfer(campus, Move(computer, None, '总务处', '张主任', '教务处调给总务处使用'), teacher,
                                 'demo-transfer-2', now=now - datetime.timedelta(days=2))[0]
        decide(moved, manager, 'manager', 'approve', now=now - datetime.timedelta(days=1))
        laptop = Permit(computer, '张主任', '总务处', '送县城维修', now - datetime.timedelta(hours=2),
                        now + datetime.timedelta(hours=6))
        issue_permit(campus, laptop, admin, 'demo-permit-1', now=now - datetime.timedelta(hours=2))
        for minutes in (150, 30):  # before the permit, and with it
            moment = now - datetime.timedelta(minutes=minutes)
            record_gate_check(computer, guard, verdict(computer, moment), moment)
        made += 2
    return made
