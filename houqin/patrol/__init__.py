"""Night patrol (巡逻 / 打更): routes of checkpoints, rounds in a shift window, zero-tap checkpoint scans,
one-tap anomalies, the duty log, missed-checkpoint alerts, evidence of presence and reports.

rounds.py and evidence.py are pure functions; plans.py turns stored routes into round plans; checkpoints.py
records scans (called by the scan page); evaluation.py closes rounds; reports.py assembles the reports;
views.py, route_views.py and report_views.py are the pages.
"""
