"""Segment insights (SPEC §6): which audience a channel reaches, bounded per page."""
