"""Security tests of issue 6: access control over every route, and what the other parts add."""
