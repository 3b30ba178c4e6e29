"""Backups: the database and every stored file in one checked archive (`flask backup`)."""
