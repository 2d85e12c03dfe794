"""Lane configuration templates (example lane, mock lane, systemd unit) shipped inside the wheel."""
