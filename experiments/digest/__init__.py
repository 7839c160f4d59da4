"""The weekly email's content (SPEC §7): headline numbers, channel table, goals, subject."""
