"""Tests of the central member server (FastAPI app on SQLite and PostgreSQL)."""
