"""The Hotline HTTP API (call records, recordings, health). See api.app.create_app."""

from api.app import create_app

__all__ = ["create_app"]
