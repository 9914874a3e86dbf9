"""Repairs: work orders from report to verified close (workflow.py), people's pages (views.py), the manager's
board, ledger and settings (board.py, stats.py), and the notification channels' admin pages (channels.py)."""


def register(app):
    """Register the repair pages and the notification channels' admin pages."""
    from . import board, channels, views
    for module in (views, board, channels):
        app.register_blueprint(module.bp)
