"""SQLite storage for the lane: connection, migrations, repositories."""
