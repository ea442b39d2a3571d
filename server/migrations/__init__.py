"""Alembic migrations of the central server's database (`server.db.migrate` runs them on every open)."""
