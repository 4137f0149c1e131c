"""Storage: SQLAlchemy 2 async models on SQLite, one writer at a time, Alembic migrations."""
