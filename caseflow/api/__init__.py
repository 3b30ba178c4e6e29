"""JSON API v1: bearer-token access to cases, with the same rules as the pages."""
