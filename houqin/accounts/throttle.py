"""Log-in throttling: failures counted in the database, so every worker and app server counts alike."""
import datetime

from flask import current_app

from houqin.clock import utcnow
from houqin.models import LoginFailure


def login_pause_minutes(username, address):
    """Minutes until a throttled username or address may try again; 0 when not throttled."""
    cfg = current_app.config
    window = datetime.timedelta(minutes=cfg['LOGIN_WINDOW_MINUTES'])
    since = utcnow() - window
    pauses = []
    for field, value, limit in ((LoginFailure.username, username, cfg['LOGIN_MAX_FAILURES_PER_USER']),
                                (LoginFailure.address, address, cfg['LOGIN_MAX_FAILURES_PER_ADDRESS'])):
        recent = (LoginFailure.select(LoginFailure.created_at)
                  .where((field == value) & (LoginFailure.created_at > since))
                  .order_by(LoginFailure.created_at.desc()).limit(limit))
        times = [row.created_at for row in recent]
        if len(times) >= limit:
            # Paused until the oldest of the last `limit` failures leaves the window.
            pauses.append(times[-1] + window - utcnow())
    if not pauses:
        return 0
    return max(1, int(max(pauses).total_seconds() // 60) + 1)
