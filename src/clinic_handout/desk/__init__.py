"""`handout desk`: the front desk in the browser, served on this PC only (see web.create_app)."""
from .web import create_app

__all__ = ["create_app"]
