"""Background jobs: web CSV imports (and the scheduler and digest to come)."""
