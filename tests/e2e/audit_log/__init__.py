"""`insightlog audit log` as a real process, on SQLite and PostgreSQL: every aggregate type in
log order, filters, JSON lines and CSV, no secrets, and bounded memory over 100,000 events."""
