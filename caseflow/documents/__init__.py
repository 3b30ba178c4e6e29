"""Scanned documents attached to cases and people."""
