"""The systemd unit shipped with garita (data only)."""
