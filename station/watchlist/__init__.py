"""The shared US-MX watchlist: signed snapshots and deltas, a SQLite cache, and OCR-tolerant matching."""
