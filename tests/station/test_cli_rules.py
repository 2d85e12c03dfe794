"""The CLI says what it understood: `--since` forms, ambiguous id prefixes, help on every option."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import click
import pytest

from garita.station.cli import cli
from garita.station.commands.since import parse_since
from garita.station.core.lifecycle import Lifecycle, ReadIn
from tests.station.test_cli import garita

NOW = datetime(2026, 12, 3, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(("text", "at", "words"), [
    ("yesterday", datetime(2026, 12, 2, tzinfo=UTC), "yesterday: since 2026-12-02 00:00 UTC"),
    ("today", datetime(2026, 12, 3, tzinfo=UTC), "today: since 2026-12-03 00:00 UTC"),
    ("2h", NOW - timedelta(hours=2), "the last 2 hours: since 2026-12-03 13:30:00 UTC"),
    ("30m", NOW - timedelta(minutes=30), "the last 30 minutes"),
    ("7d", NOW - timedelta(days=7), "the last 7 days"),
    ("2026-11-28", datetime(2026, 11, 28, tzinfo=UTC), "since 2026-11-28 00:00:00 UTC (given as 2026-11-28, UTC)"),
    ("2026-11-28T10:00-07:00", datetime(2026, 11, 28, 17, tzinfo=UTC), "given as 2026-11-28T10:00-07:00, -0700"),
])
def test_since_forms(text, at, words):
    since = parse_since(text, now=lambda: NOW)
    assert since.at == at and words in since.understood


def test_since_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match="use yesterday, today, 2h"):
        parse_since("last tuesday", now=lambda: NOW)


@pytest.fixture
def three_crossings(store, data_dir):
    """Crossings opened 3 days, 1 hour and 1 minute ago, each a different vehicle."""
    ids = []
    for ago in (timedelta(days=3), timedelta(hours=1), timedelta(minutes=1)):
        moment = datetime.now(UTC) - ago
        lifecycle = Lifecycle(store, "lane-t", 300, clock=lambda moment=moment: moment)
        recorded = lifecycle.record_read(ReadIn("rfid-1", "rfid", f"E{len(ids)}", {}, moment))
        lifecycle.decide(recorded.crossing_id, "release", "off-1")
        ids.append(recorded.crossing_id)
    return data_dir, ids


def test_export_since_says_what_it_understood(three_crossings):
    data_dir, ids = three_crossings
    exported = {}
    for when in ("2h", "7d", "yesterday", "2999-01-01"):
        result = garita("export", "--since", when, "--data-dir", str(data_dir))
        assert result.returncode == 0, result.stderr
        exported[when] = [json.loads(line)["id"] for line in result.stdout.splitlines()]
        assert "exported" in result.stderr and "since" in result.stderr
    assert exported["2h"] == ids[1:] and exported["7d"] == ids and exported["2999-01-01"] == []
    assert ids[0] not in exported["yesterday"] and ids[2] in exported["yesterday"]
    assert "the last 2 hours" in garita("export", "--since", "2h", "--data-dir", str(data_dir)).stderr
    bad = garita("export", "--since", "last week", "--data-dir", str(data_dir))
    assert bad.returncode == 2 and "use yesterday, today, 2h" in bad.stderr and "Traceback" not in bad.stderr


def test_an_ambiguous_prefix_lists_the_crossings_it_could_be(three_crossings):
    data_dir, ids = three_crossings
    prefix = ids[1][:6]  # uuid7 ids start with the time: an hour apart they share this much
    assert ids[2].startswith(prefix)
    for command in (["show", prefix], ["decide", prefix, "release", "--officer", "o"]):
        result = garita(*command, "--data-dir", str(data_dir))
        assert result.returncode == 1 and f"{prefix!r} is ambiguous" in result.stderr
        assert ids[1] in result.stderr and ids[2] in result.stderr
    none = garita("show", "zzzz", "--data-dir", str(data_dir))
    assert none.returncode == 1 and "no crossing id starts with 'zzzz'" in none.stderr
    assert garita("show", ids[0][:30], "--data-dir", str(data_dir)).returncode == 0


def every_command(group: click.Group = cli, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))


def test_every_option_has_help_and_no_choice_is_empty():
    for path, command in every_command():
        assert command.help, f"garita {' '.join(path)} has no description"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"garita {' '.join(path)} {param.opts[0]} has no help text"
            if isinstance(param.type, click.Choice):
                assert all(str(choice).strip() for choice in param.type.choices), (path, param.name)


def test_help_shows_whole_summaries_at_every_level():
    from click.testing import CliRunner

    groups = [((), cli)] + [(path, command) for path, command in every_command() if isinstance(command, click.Group)]
    assert len(groups) >= 7
    for path, group in groups:
        shown = CliRunner().invoke(cli, [*path, "--help"], terminal_width=80)
        assert shown.exit_code == 0, shown.output
        for name, command in group.commands.items():
            summary = command.get_short_help_str(limit=10_000)
            assert "".join(summary.split()) in "".join(shown.output.split()), (path, name, summary)  # wrapped anywhere
    assert garita("--help").returncode == 0
