"""People recorded in cases: names and how to find them."""
