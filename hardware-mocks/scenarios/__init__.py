"""Scenario files that drive the mock lane (TOML), shipped as package data."""
