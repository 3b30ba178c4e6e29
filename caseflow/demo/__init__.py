"""Realistic demo data: fixed offices and logins, and seeded generators for benchmarks."""
