"""The central member server: FastAPI + SQLAlchemy + Alembic, with its admin CLI (built by the sync issue)."""
