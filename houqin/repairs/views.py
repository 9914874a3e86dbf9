"""Repair pages: report, 我的报修, 我的工单, the board, one order, the follow link."""
from flask import Blueprint

bp = Blueprint('repairs', __name__)
