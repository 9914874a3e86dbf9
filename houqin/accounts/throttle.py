"""Log-in throttling per username and client address, with growing waits (OWASP: slow down, don't lock out).

Each (username, address) pair has a row in the database, so every worker and app server counts alike. A try
takes a slot before its password is checked: one guarded UPDATE that succeeds only while the pair's wait is
over and its count is the one just read, so simultaneous tries never get more checks than allowed. The first
LOGIN_FREE_FAILURES tries go through at once; after that each further failure doubles the wait (1 s, 2 s, 4 s …,
at most LOGIN_MAX_DELAY_MINUTES); LOGIN_WINDOW_MINUTES after a wait has ended unused, the count is forgotten.
A success clears the pair. Nothing is locked for everyone: the same username
from another address, or another username from this address, is not slowed down.
"""
import datetime

from flask import current_app

from houqin.clock import utcnow
from houqin.models import LoginThrottle

CLAIM_ROUNDS = 20  # compare-and-set rounds before a try that keeps losing to simultaneous ones gives up


def wait_after(failures, free, cap_seconds, first_seconds=1):
    """Seconds the pair waits after this many counted tries: none within the free ones, then 1, 2, 4 … s (from
    first_seconds, doubling), at most cap_seconds."""
    if failures < free:
        return 0
    return min(cap_seconds, first_seconds * 2 ** min(failures - free, 30))


def claim_try(username, address, now=None):
    """Take a try for this pair: 0 when its password may be checked now, else the seconds to wait first."""
    cfg = current_app.config
    free, cap, first = cfg['LOGIN_FREE_FAILURES'], cfg['LOGIN_MAX_DELAY_MINUTES'] * 60, cfg['LOGIN_FIRST_DELAY_SECONDS']
    forget = datetime.timedelta(minutes=cfg['LOGIN_WINDOW_MINUTES'])
    now = now or utcnow()
    for _round in range(CLAIM_ROUNDS):
        # Inside the loop: a success from another phone behind this address may delete the pair's row between
        # the insert and the read (a 500 under load on PostgreSQL); the pair then starts again from nothing.
        LoginThrottle.insert(username=username, address=address, failures=0, next_try_at=now,
                             last_try_at=now).on_conflict_ignore().execute()
        row = LoginThrottle.get_or_none((LoginThrottle.username == username) & (LoginThrottle.address == address))
        if row is None:
            continue
        if row.next_try_at > now:
            return max(1, int((row.next_try_at - now).total_seconds() + 0.999))
        counted = 0 if row.next_try_at < now - forget else row.failures  # quiet long after its wait: forgotten
        failures = counted + 1
        wait = datetime.timedelta(seconds=wait_after(failures, free, cap, first))
        taken = (LoginThrottle.update(failures=failures, last_try_at=now, next_try_at=now + wait)
                 .where((LoginThrottle.id == row.id) & (LoginThrottle.failures == row.failures)
                        & (LoginThrottle.last_try_at == row.last_try_at) & (LoginThrottle.next_try_at <= now))
                 .execute())
        if taken:
            return 0
    return 1


def clear_tries(username, address):
    """Forget the pair's failures after a successful log-in."""
    LoginThrottle.delete().where((LoginThrottle.username == username) & (LoginThrottle.address == address)).execute()


def forget_old_tries(now=None):
    """Delete pairs quiet for longer than the window and the longest wait (their count is forgotten anyway)."""
    cfg = current_app.config
    quiet = cfg['LOGIN_WINDOW_MINUTES'] + cfg['LOGIN_MAX_DELAY_MINUTES']
    return LoginThrottle.delete().where(
        LoginThrottle.last_try_at < (now or utcnow()) - datetime.timedelta(minutes=quiet)).execute()
