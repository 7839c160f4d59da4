"""Tests of cohorts.ltv."""
