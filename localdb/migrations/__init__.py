"""Alembic migrations of the till database."""
