"""``python -m garita.station`` runs the garita command line."""

from garita.station.cli import main

main()
