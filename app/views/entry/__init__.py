"""Pages where data comes in: the quick log and CSV imports (and the spend sheet)."""
