"""A lane as its own process for the kill -9 test: writes ``count`` events while its link runs.

Run as ``python -m tests.sync.lane_process SETTINGS_JSON``; exits 0 once its outbox is empty.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from garita.sync.link import BrokerSettings
from garita.sync.tls import TlsFiles
from tests.sync.helpers import add_events, lane_store, make_link, unsent


def main(raw: str) -> int:
    spec = json.loads(raw)
    tls = TlsFiles(*(Path(p) for p in spec["tls"]))
    broker = BrokerSettings(host="localhost", port=spec["port"], client_id="2504-lane-03", username="lane-03",
                            password="lane-secret", tls=tls, reconnect_min_s=0.05, reconnect_max_s=0.5,
                            keepalive_s=5)
    store = lane_store(Path(spec["data_dir"]))
    link = make_link(store, broker, batch_max_events=10, max_inflight=8)
    link.start()
    written = 0
    while written < spec["count"] or unsent(store):
        if written < spec["count"]:  # a burst: one event per transaction, as reads arrive
            add_events(store, 1, start=written)
            written += 1
        link.pump()
        link.wait_for_activity(0.001 if written < spec["count"] else 0.05)
    link.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
