"""Pages of install administration: account and users, tokens, settings, the weekly
email page and the audit log."""
