"""Patrol reports: per night and per guard, and the printable duty sheet."""
from flask import Blueprint

bp = Blueprint('patrol_reports', __name__, url_prefix='/patrol/reports')
