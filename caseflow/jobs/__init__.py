"""Background jobs: programme reports and batch printing, on Redis (RQ) or inline."""
