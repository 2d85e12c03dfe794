"""Every `garita bench` measurement, each against its baseline in the same run."""
