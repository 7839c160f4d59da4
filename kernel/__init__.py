"""Shared vocabulary every package may use: exact money, calendar weeks, fixed vocabularies."""
