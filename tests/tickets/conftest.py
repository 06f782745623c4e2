"""Fixtures live in ticket_fixtures, next to the helpers the tests import from it."""

from tests.tickets.ticket_fixtures import desk, make_desk

__all__ = ["desk", "make_desk"]
