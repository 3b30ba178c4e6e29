"""The home page: a dashboard that fits the user's role."""
