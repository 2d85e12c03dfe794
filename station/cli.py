"""The ``garita`` command line: one root group; each group of tasks lives in station/commands/."""

from __future__ import annotations

import click

from garita.station.commands.audit import audit_group
from garita.station.commands.bench import bench
from garita.station.commands.central import central, central_db, keys_group
from garita.station.commands.common_options import SummaryGroup
from garita.station.commands.crossings import crossings, decide, export, show
from garita.station.commands.lane import check_config, install_service, run
from garita.station.commands.maintenance import backup, init, migrate, restore
from garita.station.commands.officers import officer
from garita.station.commands.technician import devices, probe, snapshot
from garita.station.commands.vision import eval_group
from garita.station.commands.watchlist import declarations, watchlist


class GaritaGroup(SummaryGroup):
    """The root group: a known error ends any command with one line and its exit code."""

    def invoke(self, ctx: click.Context):
        from garita.station.commands.known_errors import KNOWN_ERRORS, describe

        try:
            return super().invoke(ctx)
        except KNOWN_ERRORS as exc:
            message, code = describe(exc)
            click.echo(message, err=True)
            ctx.exit(code)



@click.group(cls=GaritaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="garita")
def cli() -> None:
    """Garita: the lane software of a joint US-Mexico customs checkpoint."""


for command in (run, check_config, install_service, crossings, show, export, decide, devices, probe, snapshot,
                watchlist, declarations, officer, audit_group, eval_group, bench, central, central_db, keys_group,
                init, backup, restore, migrate):
    cli.add_command(command)


def main() -> None:
    cli()
