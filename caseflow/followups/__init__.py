"""Follow-up visits after arrival and the Reintegration Sustainability Survey (RSS)."""
