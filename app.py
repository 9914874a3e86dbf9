"""WSGI entry point: `gunicorn app:app`, `flask run`, `flask houqin ...`."""
from houqin import create_app

app = create_app()
