"""``garita install-service``: the systemd unit, a config skeleton and the state directory."""

from __future__ import annotations

from pathlib import Path

from garita.station.config.shipped_files import packaged_file

UNIT_PATH = Path("etc/systemd/system/garita.service")
CONFIG_PATH = Path("etc/garita/lane.toml")
DOC_PATH = Path("usr/share/doc/garita/README.md")  # the unit's Documentation= names this file


def readme_text() -> str:
    """The README as shipped in the package metadata (the wheel's long description)."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        text = metadata("garita").get_payload()
    except PackageNotFoundError:
        text = None
    return text or "# Garita\n\nSee `garita --help` and `garita COMMAND --help`.\n"


def render_unit(user: str, executable: str) -> str:
    """The shipped unit with this installation's user and interpreter filled in."""
    text = packaged_file("systemd/garita.service").read_text(encoding="utf-8")
    garita = str(Path(executable).with_name("garita"))
    return text.replace("User=garita", f"User={user}").replace(
        "Group=garita", f"Group={user}").replace("/opt/garita/venv/bin/garita", garita)


def install(root: Path, user: str, force: bool, executable: str) -> list[str]:
    """Write the unit and (unless one exists) the lane config; returns what was done and what is next."""
    done = []
    unit = root / UNIT_PATH
    unit.parent.mkdir(parents=True, exist_ok=True)
    unit.write_text(render_unit(user, executable), encoding="utf-8")
    done.append(f"wrote {unit}")
    doc = root / DOC_PATH
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(readme_text(), encoding="utf-8")
    done.append(f"wrote {doc} (the unit's Documentation=)")
    config = root / CONFIG_PATH
    config.parent.mkdir(parents=True, exist_ok=True)
    if config.exists() and not force:
        done.append(f"kept existing {config} (use --force to replace it)")
    else:
        example = packaged_file("lane.example.toml").read_text(encoding="utf-8")
        config.write_text(example, encoding="utf-8")
        done.append(f"wrote {config} from the example: edit the lane id, port and devices")
    done += [
        "next, as root:",
        f"  useradd --system --home /var/lib/garita --shell /usr/sbin/nologin {user}  # if not there",
        f"  usermod -aG dialout {user}   # serial devices",
        f"  garita check-config {Path('/') / CONFIG_PATH}",
        "  systemctl daemon-reload && systemctl enable --now garita",
        "  journalctl -u garita -f",
    ]
    return done
