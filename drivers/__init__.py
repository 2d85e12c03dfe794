"""Device I/O for the lane: serial links, wire protocols and document parsers.

Drivers never import ``station``, ``vision`` or ``sync``; they hand typed
:class:`garita.drivers.events.DeviceRead` objects to whoever runs them.
"""
