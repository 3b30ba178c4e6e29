"""After arrival: what a household is entitled to, and the reintegration plan that spends it."""
