"""Managing patrol routes: checkpoints in order, walking minutes, rounds, holidays, checkpoint labels."""
from flask import Blueprint

bp = Blueprint('patrol_routes', __name__, url_prefix='/patrol/routes')
