"""ASGI entry point: ``uvicorn api.main:app`` (every worker process imports it, so logging is set here)."""

from api.app import create_app
from core.observability import configure_logging
from core.settings import get_settings

configure_logging(get_settings())
app = create_app(freeze_heap=True)
