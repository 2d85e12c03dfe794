"""`garita bench lane|watchlist|vision`: measured figures against a baseline, on this machine."""

from __future__ import annotations

import json

import click

from station.commands.vision import bench_vision


@click.group()
def bench() -> None:
    """Measure the lane on this machine (median, p95, rates, against a baseline)."""


@click.command("lane")
@click.option("--vehicles", type=click.IntRange(20, 1_000_000), default=500, show_default=True)
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
@click.option("--entries", type=click.IntRange(100, 5_000_000), default=100_000, show_default=True)
@click.option("--lookups", type=click.IntRange(10, 1_000_000), default=5000, show_default=True)
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
@click.option("--events", type=click.IntRange(100, 5_000_000), default=20_000, show_default=True)
@click.option("--batch", "batch_max_events", type=click.IntRange(1, 5000), default=500, show_default=True,
              help="Events per message; batch 1 (event by event) is always measured too.")
@click.option("--runs", type=click.IntRange(1, 50), default=3, show_default=True, help="Runs per setting.")
@click.option("--samples", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help="Live decisions timed to their PUBACK (p95 needs 100 or more).")
@click.option("--json", "as_json", is_flag=True)
def bench_sync(events: int, batch_max_events: int, runs: int, samples: int, as_json: bool) -> None:
    """Drain a lane outbox through a private Mosquitto, both ways per batch size, against bare paho."""
    from station.uplink import bench_sync as run_bench
    from sync.bench import summary

    result = run_bench(events, batch_max_events, runs, samples)
    click.echo(json.dumps(result.as_dict()) if as_json else summary(result))


for _command in (bench_lane, bench_watchlist, bench_vision, bench_sync):
    bench.add_command(_command)
