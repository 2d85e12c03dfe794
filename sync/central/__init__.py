"""The central side of sync: the consumer (one, or a group sharing the uplink), its stores, gaps, bench.

``store_sqlite`` is the embedded default (demo, field check); ``store_postgres`` the shared database of a
consumer group. SQL lives in those two modules only.
"""

from garita.sync.central.consumer import Batching, Central, open_central
from garita.sync.central.gaps import GapWatch

__all__ = ["Batching", "Central", "GapWatch", "open_central"]
