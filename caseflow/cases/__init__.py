"""Return cases: a household's file from registration to arrival, its workflow and history."""
