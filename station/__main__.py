"""``python -m station`` runs the garita command line."""

from station.cli import main

main()
