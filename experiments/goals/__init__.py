"""SMART monthly goals: targets, progress month to date, projection to month end, status."""
