"""Training code for the plate models: run by hand (`python -m garita.vision.training ...`), never at run time.

Needs the `train` extra (torch, Pillow) and Debian fonts (fonts-dejavu-core, fonts-liberation,
fonts-urw-base35). The lane itself imports nothing from here.
"""
