"""Repairs: work orders from report to verified close (workflow.py), their pages (views.py), counts (stats.py)."""
