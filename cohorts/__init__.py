"""Cohort economics: leads and purchases, cohort aggregates and triangles, LTV, payback, ROI."""
