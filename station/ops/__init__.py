"""What port IT runs and watches: logs, metrics, health, readiness, systemd, device tools."""
