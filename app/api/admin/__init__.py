"""Install administration in the API: settings and the audit log."""
