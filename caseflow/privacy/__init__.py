"""Data protection duties: a person's access to their own data (subject_access) and the
anonymisation of cases kept past the retention period (retention)."""
