"""Fixtures live in api_fixtures, next to the helpers the tests import from it."""

from api_fixtures import client, make_client, world

__all__ = ["client", "make_client", "world"]
