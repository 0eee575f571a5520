"""The store: tables, the unit of work, repositories and migrations (SQLite and PostgreSQL)."""
