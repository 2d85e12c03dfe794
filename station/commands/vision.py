"""`garita eval plates|containers` and `garita bench vision`: check recognition on this lane's photos."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from garita.station.commands.common_options import SummaryGroup

REGIONS = click.Choice(["us", "mx", "br", "eu", "any"])


def _recognizer(regions: tuple[str, ...]):
    from garita.vision import Recognizer, VisionError

    try:
        return Recognizer(regions=regions)
    except VisionError as exc:
        click.echo(f"garita: {exc}", err=True)
        sys.exit(1)


def _run_with_progress(label: str, run) -> dict:
    """Run an evaluation, drawing a progress bar on stderr (stdout stays clean for --json)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        return run(lambda done, total: bar.update(task, completed=done, total=total))


def _report(result: dict, as_json: bool, folder: Path, allow_errors: bool) -> None:
    """Print the result; exit 1 when nothing was read, or when images failed (unless allowed)."""
    from garita.vision.evaluate import main_summary

    click.echo(json.dumps(result, indent=2, default=str) if as_json else main_summary(result))
    if result["images"] == 0:
        click.echo(f"garita: no labelled images in {folder}: nothing was measured", err=True)
        sys.exit(1)
    if result["errors"] and not allow_errors:
        click.echo(f"garita: {result['errors']} of {result['images']} images could not be read "
                   "(see per_image in --json); pass --allow-errors to accept that", err=True)
        sys.exit(1)


ALLOW_ERRORS = click.option("--allow-errors", is_flag=True,
                            help="Exit 0 even if some images could not be read (they count as misses).")


@click.group("eval", cls=SummaryGroup)
def eval_group() -> None:
    """Measure plate or container reading on a labelled folder of photos."""


@eval_group.command("plates")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--region", type=REGIONS, default="any", show_default=True, help="Plate grammars to use.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of the summary.")
@ALLOW_ERRORS
def eval_plates(folder: Path, region: str, as_json: bool, allow_errors: bool) -> None:
    """Folder of images, each with NAME.txt: `IMAGE X Y W H PLATE`."""
    from garita.vision.evaluate import eval_plates as run_eval

    recognizer = _recognizer((region,))
    _report(_run_with_progress("plates", lambda p: run_eval(folder, recognizer, (region,), p)), as_json, folder,
            allow_errors)


@eval_group.command("containers")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of the summary.")
@ALLOW_ERRORS
def eval_containers(folder: Path, as_json: bool, allow_errors: bool) -> None:
    """Folder with labels.csv (`image,code[,group]`); groups are also fused and scored."""
    from garita.vision.evaluate import eval_containers as run_eval

    if not (folder / "labels.csv").is_file():
        raise click.UsageError(f"{folder}/labels.csv not found (columns image,code[,group])")
    recognizer = _recognizer(("any",))
    _report(_run_with_progress("containers", lambda p: run_eval(folder, recognizer, p)), as_json, folder,
            allow_errors)


@click.command("vision")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Dataset root with plates/ and containers/ (default ../shared/datasets).")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N images per set.")
@click.option("--threads", type=click.IntRange(1, 16), multiple=True, default=(1, 2), show_default=True,
              help="onnxruntime threads to measure with (repeat the option for several runs).")
@click.option("--runs", type=click.IntRange(1, 50), default=3, show_default=True, help="Runs of every set.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of one line per set.")
def bench_vision(root: Path | None, limit: int | None, threads: tuple[int, ...], runs: int, as_json: bool) -> None:
    """Per-frame time (median, p95, frames/s) with 1 and 2 threads, against the generic-OCR baseline."""
    from garita.station.bench.vision_speed import run_bench

    result = run_bench(root, limit, tuple(threads), runs)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    for run_name, sets in result["runs"].items():
        for set_name, figures in sets.items():
            click.echo(f"{run_name:<10} {set_name:<18} {json.dumps(figures)}")
    click.echo(f"peak RSS {result['peak_rss_mb']:.0f} MB")
    click.echo(f"differs: {result['differs']}")
