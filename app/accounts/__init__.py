"""Accounts and access: sessions and sign-in throttling, passwords and tokens, users,
security headers, the audit log, backup and restore."""
