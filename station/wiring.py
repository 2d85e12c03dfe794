"""The composition root: builds the lane's parts and hands each one only what it uses.

``garita run`` and ``garita run --mock`` both come here: the devices (real drivers, or the same
drivers pointed at the mock lane's ptys and sockets), the core daemon, the risk engine, the
uplink, readiness and metrics, the webhook and the booth. Each part gets a typed view of the lane
(:class:`~garita.station.booth.services.BoothServices`,
:class:`~garita.station.ops.observability.ObservedLane`,
:class:`~garita.station.links.mqtt_uplink.UplinkLane`) and plugs into the daemon through its
:class:`~garita.station.core.lane_hooks.LaneHooks`, never by setting attributes on it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from garita.drivers.events import Device, Snapshotter
from garita.station.booth.mock_controls import MockControls
from garita.station.booth.services import AssessmentSource, BoothServices
from garita.station.config.lane_config import LaneConfig
from garita.station.config.loader import ConfigError, ConfigProblem
from garita.station.core.daemon import LaneDaemon
from garita.station.core.evidence_images import ImageRetention
from garita.station.core.lane_hooks import LaneHooks
from garita.station.ops.observability import Observability, ObservedLane
from garita.station.ops.sdnotify import Notifier
from garita.station.ops.status_extras import StatusExtras
from garita.station.risk.assessor import Assessor
from garita.station.storage.lane_store import LaneStore
from garita.station.watchlist.cache import Watchlist, open_watchlist

if TYPE_CHECKING:
    from garita.station.booth.server import BoothServer
    from garita.station.links.mqtt_uplink import UplinkPlugin
    from garita.station.links.webhook import WebhookSender


@dataclass(frozen=True)
class WiredLane:
    """The built lane: run ``daemon.run()``; the parts are here for mock mode and the tests."""

    daemon: LaneDaemon
    hooks: LaneHooks
    risk: Assessor
    observability: Observability
    status_extras: StatusExtras
    booth_services: BoothServices
    uplink: UplinkPlugin | None = None
    webhook: WebhookSender | None = None
    booth: BoothServer | None = None


def wire_lane(config: LaneConfig, data_dir: Path, store: LaneStore, devices: list[Device], *,
              notifier: Notifier | None = None, mock: MockControls | None = None,
              assessment: AssessmentSource | None = None) -> WiredLane:
    """Build the lane from its config. ``mock``: the technician's scenario controls (mock mode);
    ``assessment``: what the booth shows for a crossing instead of the risk engine's view.

    Raises ConfigError when a file the config names cannot be used (the webhook secret).
    """
    hooks = LaneHooks()
    daemon = LaneDaemon(config, data_dir, store, devices, notifier, hooks)
    risk = Assessor(store, open_watchlist(data_dir, config.watchlist), config, tell=hooks.tell)
    hooks.subscribe(risk.on_lane_event)  # first: the booth's listener then sees the new assessment
    uplink = _uplink(config, data_dir, store, daemon, risk.watchlist)
    extras = StatusExtras(risk.watchlist, uplink)
    webhook = _webhook(config, data_dir)
    observability = _observability(config, data_dir, store, daemon, hooks, extras, uplink, webhook)
    for plugin in (webhook, uplink):
        if plugin is not None:
            hooks.add_plugin(plugin)
    services = BoothServices(
        lane=config.lane, config=config.booth, store=store, data_dir=data_dir, decide=daemon.decide,
        move_read=daemon.move_read, lane_status=lambda: daemon.status("running"), hooks=hooks,
        mqtt_enabled=config.mqtt.enabled, cameras=_cameras(devices),
        assessment=assessment or risk.booth_view, status_extras=extras, mock=mock, joint=config.joint)
    booth = _booth(config, services, hooks)
    return WiredLane(daemon, hooks, risk, observability, extras, services, uplink, webhook, booth)


def _observability(config: LaneConfig, data_dir: Path, store: LaneStore, daemon: LaneDaemon, hooks: LaneHooks,
                   extras: StatusExtras, uplink: UplinkPlugin | None, webhook: WebhookSender | None) -> Observability:
    """Readiness and metrics (the metrics port with ``[metrics] enabled``), and image retention."""
    observed = ObservedLane(config, data_dir, store, daemon.device_health, daemon.counters, extras,
                            downlink=uplink.link.downlink if uplink is not None else None, webhook=webhook)
    observability = Observability(observed)
    hooks.subscribe(observability.metrics.on_event)
    if daemon.recognition is not None:
        daemon.recognition.observe(observability.metrics.observe_recognition)
    hooks.add_status_fields(observability.status_fields)
    hooks.add_plugin(observability)
    hooks.add_plugin(ImageRetention(data_dir, config.storage.image_retention_days))
    return observability


def _uplink(config: LaneConfig, data_dir: Path, store: LaneStore, daemon: LaneDaemon,
            watchlist: Watchlist) -> UplinkPlugin | None:
    """With ``[mqtt] enabled``, the sync link runs beside the core: outbox up, verified feeds down."""
    if not config.mqtt.enabled:
        return None
    from garita.station.links.downlink_apply import DownlinkApplier
    from garita.station.links.mqtt_uplink import UplinkLane, UplinkPlugin, build_link

    link = build_link(config, store, DownlinkApplier(data_dir, store))
    lane = UplinkLane(store, lambda: daemon.status("running"), lambda: watchlist.meta().get("version"))
    return UplinkPlugin(link, lane, config.mqtt.metrics_every_s)


def _webhook(config: LaneConfig, data_dir: Path) -> WebhookSender | None:
    if not config.webhook.enabled:
        return None
    from garita.station.links.webhook import WebhookSender  # signed HTTP POST of outbox events, off the loop

    return WebhookSender(config.webhook, data_dir, config.lane.id)


def _booth(config: LaneConfig, services: BoothServices, hooks: LaneHooks) -> BoothServer | None:
    if not config.booth.enabled:
        return None
    from garita.station.booth.server import BoothServer  # the web stack is loaded only when the booth is on

    booth = BoothServer(services)
    hooks.add_service(booth)
    return booth


def _cameras(devices: list[Device]) -> dict[str, Snapshotter]:
    """The devices that can give a snapshot (cameras), for the technician view."""
    return {device.name: device for device in devices if isinstance(device, Snapshotter)}


def build_devices(config: LaneConfig, endpoints: dict[str, str] | None = None) -> list[Device]:
    """Instantiate every enabled device's driver; bad driver names or options are config errors.

    ``endpoints`` (mock mode): device name -> the mock lane's pty or URL, used instead of the config's.
    """
    from garita.drivers.registry import build_device

    devices, problems = [], []
    for index, section in enumerate(config.devices):
        if not section.enabled:
            continue
        port, url = section.port, section.url
        if endpoints is not None:
            if section.name not in endpoints:
                problems.append(ConfigProblem(f"devices[{index}].name",
                                              f"the mock lane has no device {section.name!r}"))
                continue
            port = url = endpoints[section.name]
        try:
            devices.append(build_device(section.name, section.kind, section.driver, port, url, section.options))
        except ValueError as exc:
            problems.append(ConfigProblem(f"devices[{index}]", str(exc)))
    if problems:
        raise ConfigError(Path("(devices)"), problems)
    return devices


def warn_missing_ports(config: LaneConfig) -> list[str]:
    """A serial port that is not there is reported, and the driver keeps retrying it."""
    missing = []
    for section in config.devices:
        port = section.port or ""
        if section.enabled and port.startswith("/") and not os.path.exists(port):
            missing.append(f"device {section.name}: port {port} does not exist "
                           "(check the cable/USB adapter or the port in the config); will retry")
    return missing
