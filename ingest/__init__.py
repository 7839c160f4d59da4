"""Data in and out: CSV import and export, JSON API batches, the staging table and write lock."""
