"""Call records (R12): the SQLAlchemy model, the store, and its migrations."""
