"""The lead funnel (SPEC §2): conversion and cost per stage, grades, sales cycle."""
