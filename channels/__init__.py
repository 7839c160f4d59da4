"""Channels and their weekly spend, and the pure models of channel health.

Capacity fit, trend tests, burnout status and its reason.
"""
