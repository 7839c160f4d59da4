"""The demo dataset: a deterministic, realistic history generated in numpy and stored in bulk."""
