"""Mock-hardware mode: emulated devices wired in, demo feeds, the scripted officer, the live table."""
