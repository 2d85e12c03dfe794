"""`garita bench lane|watchlist|vision`: measured figures against a baseline, on this machine."""

from __future__ import annotations

import json

import click

from station.commands.options import SummaryGroup
from station.commands.vision import bench_vision


@click.group(cls=SummaryGroup)
def bench() -> None:
    """Measure the lane on this machine (median, p95, rates, against a baseline)."""


@click.command("lane")
@click.option("--vehicles", type=click.IntRange(20, 1_000_000), default=500, show_default=True,
              help="Vehicles (crossings) to run through the lane.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array instead of a table.")
def bench_lane(vehicles: int, as_json: bool) -> None:
    """Reads and decisions recorded per second, durable (FULL) against the NORMAL baseline."""
    import json

    from station.bench_lane import run_bench

    results = run_bench(vehicles)
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    click.echo(f"{'synchronous':<12}{'read p50':>10}{'read p95':>10}{'decide p50':>12}{'decide p95':>12}"
               f"{'reads/s':>10}{'crossings/min':>15}")
    for r in results:
        click.echo(f"{r['synchronous']:<12}{r['read_p50_ms']:>8.2f}ms{r['read_p95_ms']:>8.2f}ms"
                   f"{r['decision_p50_ms']:>10.2f}ms{r['decision_p95_ms']:>10.2f}ms"
                   f"{r['reads_per_s']:>10.0f}{r['crossings_per_min']:>15.0f}")



@click.command("watchlist")
@click.option("--entries", type=click.IntRange(100, 5_000_000), default=100_000, show_default=True,
              help="Entries in the synthetic signed snapshot.")
@click.option("--lookups", type=click.IntRange(10, 1_000_000), default=5000, show_default=True,
              help="Plate lookups to time.")
@click.option("--baseline-lookups", type=click.IntRange(1, 100_000), default=100, show_default=True,
              help="Reads for the naive scan (each scans every listed plate).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def bench_watchlist(entries: int, lookups: int, baseline_lookups: int, as_json: bool) -> None:
    """Import a synthetic signed snapshot and time plate lookups against a naive rapidfuzz scan."""
    from station.watchlist.bench import run_bench

    result = run_bench(entries, lookups, baseline_lookups)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{entries} entries: snapshot import {result['import_s']:.1f} s "
               f"(peak RSS {result['import_peak_rss_mb']:.0f} MB, cache file {result['cache_file_mb']:.0f} MB)")
    click.echo(f"{'plate lookup':<14}{'p50':>10}{'p99':>10}{'lookups/s':>12}{'RSS':>9}")
    click.echo(f"{'indexed':<14}{result['lookup_p50_ms']:>8.3f}ms{result['lookup_p99_ms']:>8.3f}ms"
               f"{result['lookups_per_s']:>12.0f}{result['rss_mb']:>6.0f} MB")
    click.echo(f"{'naive scan':<14}{result['baseline_lookup_p50_ms']:>8.3f}ms{result['baseline_lookup_p99_ms']:>8.3f}ms"
               f"{result['baseline_lookups_per_s']:>12.1f}{result['baseline_rss_mb']:>6.0f} MB")
    click.echo(f"same plates found by both: {'yes' if result['agree'] else 'NO'}")



@click.command("sync")
@click.option("--events", type=click.IntRange(100, 5_000_000), default=100_000, show_default=True,
              help="Reads queued in the outbox before it is drained.")
@click.option("--batch", "batch_max_events", type=click.IntRange(1, 5000), default=500, show_default=True,
              help="Events per MQTT message.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def bench_sync(events: int, batch_max_events: int, as_json: bool) -> None:
    """Drain a lane outbox through a private Mosquitto: events/s and live-decision latency vs bare paho."""
    from station.uplink import bench_sync as run_bench

    result = run_bench(events, batch_max_events)
    click.echo(json.dumps(result, indent=None if as_json else 2))


@click.command("rfid")
@click.option("--tags", type=click.IntRange(10, 100_000), default=300, show_default=True)
@click.option("--rounds", type=click.IntRange(1, 100), default=3, show_default=True, help="Reconnects per fault.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
def bench_rfid(tags: int, rounds: int, as_json: bool) -> None:
    """Tag-report-to-read latency over loopback (LLRP vs the Alien baseline); LLRP reconnect time per fault."""
    from station.bench_rfid import run_bench

    result = run_bench(tags, rounds)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{'reader':<26}{'tags':>6}{'read':>6}{'p50':>10}{'p95':>10}")
    for r in result["latency"]:
        p50, p95 = (f"{v:.2f}ms" if v is not None else "-" for v in (r["p50_ms"], r["p95_ms"]))
        click.echo(f"{r['reader']:<26}{r['tags']:>6}{r['read']:>6}{p50:>10}{p95:>10}")
    click.echo(f"{'LLRP fault':<16}{'recovered':>10}{'median':>10}{'max':>10}")
    for r in result["reconnect"]:
        med, top = (f"{v:.2f}s" if v is not None else "-" for v in (r["median_s"], r["max_s"]))
        click.echo(f"{r['fault']:<16}{r['recovered']:>6}/{r['rounds']:<3}{med:>10}{top:>10}")


for _command in (bench_lane, bench_watchlist, bench_vision, bench_sync, bench_rfid):
    bench.add_command(_command)
