"""Garita package."""
