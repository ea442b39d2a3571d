"""The server's migration scripts, applied in order by Alembic."""
