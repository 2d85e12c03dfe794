"""``garita bench watchlist``: import a synthetic signed snapshot, time plate lookups, against a naive scan.

The lookups and the baseline each run in a fresh process, so each RSS figure is that phase's own.
The baseline is what a lane without an index would do: hold every listed plate in memory and scan
them all with rapidfuzz (edit distance <= 1) per read. Both must find the same plates; ``agree`` says so.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from garita.station.links.signed_feed import json_line, write_feed
from garita.station.storage import watchlist_repo
from garita.station.watchlist import normalise, synthetic
from garita.station.watchlist import watchlist_store as store
from garita.station.watchlist.importer import import_file
from garita.sync.signing import KeyRing

CONFUSE = {"0": "O", "O": "0", "1": "I", "I": "1", "8": "B", "B": "8", "5": "S", "S": "5", "2": "Z", "Z": "2"}


def peak_rss_mb() -> float:
    """This process's peak resident set in MiB.

    /proc's VmHWM belongs to this process image; getrusage's ru_maxrss would carry the parent's peak
    across the fork+exec that starts each measured phase.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentiles(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def make_queries(plates: list[str], count: int, seed: int) -> list[str]:
    """A realistic read mix: a quarter exact, a quarter one OCR confusion, a quarter one edit, a quarter misses."""
    rng = random.Random(seed)
    queries = []
    for n in range(count):
        plate = rng.choice(plates)
        place = rng.randrange(len(plate))
        if n % 4 == 0:
            queries.append(plate)
        elif n % 4 == 1:
            queries.append(plate[:place] + CONFUSE.get(plate[place], "8") + plate[place + 1:])
        elif n % 4 == 2:
            queries.append(plate[:place] + plate[place + 1:])
        else:
            queries.append(synthetic.plate_value(rng))
    return queries


def listed_plates(snapshot: Path) -> list[str]:
    """Every listed plate, normalised, in entry order."""
    conn = watchlist_repo.connect(snapshot, readonly=True)
    try:
        lines = watchlist_repo.entry_lines_of_kind(conn, "plate")
    finally:
        conn.close()
    return [normalise.plate(json.loads(line)["plate"]) for line in lines]


def indexed_lookups(data_dir: Path, queries: list[str]) -> dict[str, Any]:
    """Time each plate lookup through the index (runs in its own process)."""
    from garita.station.watchlist.cache import Watchlist

    matcher = Watchlist(data_dir).matcher()
    found, ms = [], []
    started = time.perf_counter()
    for query in queries:
        t0 = time.perf_counter()
        hits = matcher.plate(query)
        ms.append((time.perf_counter() - t0) * 1000)
        found.append(sorted({hit.listed for hit in hits}))
    elapsed = time.perf_counter() - started
    p50, p99 = _percentiles(ms)
    return {"p50": p50, "p99": p99, "per_s": len(queries) / elapsed, "rss_mb": peak_rss_mb(), "found": found}


def baseline_lookups(snapshot: Path, queries: list[str]) -> dict[str, Any]:
    """The naive lane: all plates in a list, a rapidfuzz scan per read (runs in its own process)."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    plates = listed_plates(snapshot)
    found, ms = [], []
    started = time.perf_counter()
    for query in queries:
        t0 = time.perf_counter()
        matches = process.extract(query, plates, scorer=Levenshtein.distance, score_cutoff=1, limit=None)
        ms.append((time.perf_counter() - t0) * 1000)
        found.append(sorted({match[0] for match in matches}))
    elapsed = time.perf_counter() - started
    p50, p99 = _percentiles(ms)
    return {"p50": p50, "p99": p99, "per_s": len(queries) / elapsed, "rss_mb": peak_rss_mb(), "found": found}


def _in_fresh_process(function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def run_bench(entries: int, lookups: int = 5000, baseline_lookups_n: int = 100, seed: int = 5,
              progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Build, sign and import ``entries`` synthetic entries, then time lookups and the naive baseline."""
    with tempfile.TemporaryDirectory(prefix="garita-wl-bench-") as tmp:
        root, key = Path(tmp), Ed25519PrivateKey.generate()
        started = time.perf_counter()
        write_feed(root / "snapshot.feed", "watchlist", "snapshot", 1,
                   (json_line(e) for e in synthetic.entries(entries, seed)), key, key_id="bench")
        build_s = time.perf_counter() - started
        result = import_file(root / "data", root / "snapshot.feed", KeyRing.of({"bench": key.public_key()}),
                             progress)
        import_rss = peak_rss_mb()
        snapshot = store.current_file(store.watchlist_dir(root / "data"))
        queries = make_queries(listed_plates(snapshot), lookups, seed)
        indexed = _in_fresh_process(indexed_lookups, root / "data", queries)
        naive = _in_fresh_process(baseline_lookups, snapshot, queries[:baseline_lookups_n])
        size_mb = snapshot.stat().st_size / 2**20
    return {
        "entries": entries, "build_snapshot_s": round(build_s, 2), "import_s": round(result.seconds, 2),
        "import_peak_rss_mb": round(import_rss, 1), "cache_file_mb": round(size_mb, 1), "lookups": lookups,
        "lookup_p50_ms": round(indexed["p50"], 3), "lookup_p99_ms": round(indexed["p99"], 3),
        "lookups_per_s": round(indexed["per_s"]), "rss_mb": round(indexed["rss_mb"], 1),
        "baseline_lookups": len(naive["found"]), "baseline_lookup_p50_ms": round(naive["p50"], 3),
        "baseline_lookup_p99_ms": round(naive["p99"], 3), "baseline_lookups_per_s": round(naive["per_s"], 1),
        "baseline_rss_mb": round(naive["rss_mb"], 1),
        "agree": indexed["found"][:len(naive["found"])] == naive["found"],
    }
