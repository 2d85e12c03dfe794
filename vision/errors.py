"""Error types raised by the vision package."""


class VisionError(Exception):
    """An image or model could not be used (corrupt, empty, too large, missing model)."""
