"""Printed documents: certificates rendered from HTML templates to PDF, and their public
verification page."""
