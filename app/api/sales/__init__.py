"""The sales side of the API: leads moved between stages, the quick log and goals."""
