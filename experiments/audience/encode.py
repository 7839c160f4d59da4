"""One-hot encoding of lead attributes, numeric ones as "≥ edge" thresholds (issue 18)."""
