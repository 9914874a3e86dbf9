"""Admin pages for notification channels: WeCom, DingTalk, Feishu, JSON webhook, e-mail; test messages."""
from flask import Blueprint

bp = Blueprint('channels', __name__, url_prefix='/admin/notify')
