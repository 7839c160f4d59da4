"""Projected LTV: BG/NBD and Gamma-Gamma repeat-purchase models, pooled and shrunk per channel."""
