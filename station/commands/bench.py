"""`garita bench lane|watchlist|vision`: measured figures against a baseline, on this machine."""

from __future__ import annotations

import json

import click

from garita.station.commands.common_options import SummaryGroup
from garita.station.commands.vision import bench_vision


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

    from garita.station.bench.lane_core import run_bench

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
    from garita.station.bench.watchlist_match import run_bench

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
@click.option("--events", type=click.IntRange(100, 5_000_000), default=20_000, show_default=True,
              help="Reads queued in the outbox before it is drained.")
@click.option("--batch", "batch_max_events", type=click.IntRange(1, 5000), default=500, show_default=True,
              help="Events per message; batch 1 (event by event) is always measured too.")
@click.option("--runs", type=click.IntRange(1, 50), default=3, show_default=True, help="Runs per setting.")
@click.option("--samples", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help="Live decisions timed to their PUBACK (p95 needs 100 or more).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
def bench_sync(events: int, batch_max_events: int, runs: int, samples: int, as_json: bool) -> None:
    """Drain a lane outbox through a private Mosquitto, both ways per batch size, against bare paho."""
    from garita.station.bench.sync_link import summary
    from garita.station.links.mqtt_uplink import bench_sync as run_bench

    result = run_bench(events, batch_max_events, runs, samples)
    click.echo(json.dumps(result.as_dict()) if as_json else summary(result))


@click.command("rfid")
@click.option("--tags", type=click.IntRange(10, 100_000), default=300, show_default=True,
              help="Tag reports sent per reader for the latency figures.")
@click.option("--rounds", type=click.IntRange(1, 100), default=3, show_default=True, help="Reconnects per fault.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
def bench_rfid(tags: int, rounds: int, as_json: bool) -> None:
    """Tag-report-to-read latency over loopback (LLRP vs the Alien baseline); LLRP reconnect time per fault."""
    from garita.station.bench.rfid_latency import run_bench

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


def _counts(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter("a comma-separated list of consumer counts, e.g. 1,2,4") from None
    if not counts or min(counts) < 1 or max(counts) > 32:
        raise click.BadParameter("each consumer count must be 1-32")
    return counts


@click.command("central")
@click.option("--lanes", type=click.IntRange(1, 2000), default=100, show_default=True,
              help="Simulated lanes, each a real outbox and MQTT session (500: the national figure; needs cores).")
@click.option("--consumers", default="1,2,4", show_default=True, callback=_counts,
              help="Consumer group sizes to run, one run each.")
@click.option("--events", "events_per_lane", type=click.IntRange(1, 1_000_000), default=200, show_default=True,
              help="Backlog burst per lane and run.")
@click.option("--decisions-per-s", type=click.FloatRange(0), default=50.0, show_default=True,
              help="Live decisions written across all lanes while the burst drains (their latency is measured).")
@click.option("--no-faults", is_flag=True, help="Skip the run that kills a consumer and restarts PostgreSQL.")
@click.option("--fault-rate", type=click.FloatRange(1), default=2000.0, show_default=True,
              help="Events/s (all lanes) the fault run's backlog drains at, so that the faults land mid-burst.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of tables.")
def bench_central(lanes: int, consumers: tuple[int, ...], events_per_lane: int, decisions_per_s: float,
                  no_faults: bool, fault_rate: float, as_json: bool) -> None:
    """Simulated lanes -> Mosquitto -> N `garita central` -> PostgreSQL: events/s, latency, repeats, gaps, losses."""
    from garita.station.bench.central_ingest import BenchPlan
    from garita.station.bench.central_lanes import bench_central as run_bench

    plan = BenchPlan(lanes=lanes, consumers=consumers, events_per_lane=events_per_lane,
                     decisions_per_s=decisions_per_s, faults=not no_faults, fault_rate_per_s=fault_rate)
    results = run_bench(plan, lambda line: click.echo(line, err=True))
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    click.echo(f"{'run':<14}{'events':>8}{'s':>8}{'events/s':>10}{'decision p50':>14}{'p95':>9}"
               f"{'backlog p95':>13}{'dup':>5}{'gaps':>6}{'lost':>6}")
    for r in results:
        click.echo(f"{r['name']:<14}{r['events']:>8}{r['seconds']:>8.1f}{r['events_per_s']:>10.0f}"
                   f"{r['decision_latency_ms_p50']:>12.0f}ms{r['decision_latency_ms_p95']:>7.0f}ms"
                   f"{r['backlog_latency_ms_p95']:>11.0f}ms{r['duplicates_stored']:>5}{r['gaps_left']:>6}"
                   f"{r['lost']:>6}")
    faults = [r for r in results if r["consumer_kills"]]
    for r in faults:
        click.echo(f"faults: {'; '.join(r['notes']) or 'none came mid-burst (a larger --events makes room)'}; "
                   f"store retries {r['store_retries']}, resend requests {r['resend_requests']}; "
                   f"lost {r['lost']}, duplicates stored {r['duplicates_stored']}")


for _command in (bench_lane, bench_watchlist, bench_vision, bench_sync, bench_rfid, bench_central):
    bench.add_command(_command)
