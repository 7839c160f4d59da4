"""The weekly email: its data, SMTP delivery, one run per week, and the scheduler."""
