"""Repairs: work orders from report to verified close (workflow.py), the notices they cause (notices.py),
people's pages (views.py), and the manager's board, ledger and settings (board.py, stats.py)."""
