"""The lane daemon's asyncio core: device reads in, crossings out, clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from garita.drivers.events import Device, DeviceRead
from garita.station.config.lane_config import LaneConfig
from garita.station.core.device_threads import DeviceSet
from garita.station.core.disk_budget import DiskBudget, disk_full
from garita.station.core.evidence_images import save_image
from garita.station.core.lifecycle import Lifecycle, ReadIn
from garita.station.core.recognition import ImageRecognition
from garita.station.ops.event_log import log_event
from garita.station.ops.health_watch import HealthWatch
from garita.station.ops.sdnotify import Notifier, watchdog_interval_s
from garita.station.ops.status_file import write_status
from garita.station.storage.lane_store import LaneStore

log = logging.getLogger("garita.lane")
HOLD_LIMIT = 10_000  # reads kept in memory while the disk is full (a few hours of a busy lane)
FULL = "disk-full"  # what _record answers when the disk had no room for the read


@dataclass
class HeldRead:
    """A read the disk had no room for: retried from memory, into the crossing it belonged to."""

    read_in: ReadIn
    read: DeviceRead
    crossing_id: str | None
    group: int  # held reads with no crossing open share one, so they land in one crossing together


class Plugin(Protocol):
    """Something that runs beside the core each tick (the scripted officer, later the uplink)."""

    async def tick(self, lane: LaneDaemon) -> None: ...


@dataclass
class LaneStats:
    started_monotonic: float = field(default_factory=time.monotonic)
    reads: int = 0
    reads_failed: int = 0
    crossings_opened: int = 0
    decisions: int = 0
    flagged: int = 0
    presence_ignored: int = 0
    images_shed: int = 0  # images not stored under disk pressure (their reads were)
    reads_held: int = 0  # reads waiting in memory for disk space now
    reads_retried: int = 0  # held reads stored once space came back
    reads_lost: int = 0  # held reads beyond HOLD_LIMIT (counted, logged)


class LaneDaemon:
    """Composes storage, lifecycle and devices; ``run`` returns the process exit code."""

    def __init__(self, config: LaneConfig, data_dir: Path, store: LaneStore, devices: list[Device],
                 notifier: Notifier | None = None):
        self.config = config
        self.data_dir = data_dir
        self.store = store
        self.lifecycle = Lifecycle(store, config.lane.id, config.lifecycle.idle_timeout_s,
                                   presence=bool(config.lifecycle.presence_sources),
                                   late_read_s=config.lifecycle.late_read_s)
        self.devices = devices
        self.notifier = notifier or Notifier()
        self.plugins: list[Plugin] = []
        self.listeners: list[Callable[[str, dict], None]] = []
        # Booth screen hooks: a read tap returning True consumes the read (badge sign-in), the
        # assessor is the risk engine's per-crossing assessment (None: no engine attached).
        self.read_taps: list[Callable[[DeviceRead], bool]] = []
        self.assessor: Callable[[str], dict | None] | None = None
        self.stop_when: Callable[[], bool] | None = None
        self.recognition = ImageRecognition(config.vision) if config.vision.enabled else None
        self._background: set[asyncio.Task] = set()
        self.stats = LaneStats()
        storage = config.storage
        self.disk = DiskBudget(data_dir, storage.disk_reserve_mb, storage.image_retention_days)
        self._held: collections.deque[HeldRead] = collections.deque()
        self._held_group = 0
        self._landed: dict[int, str] = {}  # held group -> the crossing its first read opened or joined
        self.health_watch = HealthWatch()
        self.device_set: DeviceSet | None = None
        self._status_written = 0.0
        self._wake: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        from garita.station.risk.assessor import attach  # re-assesses each crossing after every recorded read

        self.risk = attach(self)
        from garita.station.ops.observability import attach as attach_observers  # readiness, [metrics], [webhook]

        self.readiness: dict[str, Any] | None = None
        self.observability, self.webhook = attach_observers(self)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self._wake, self._stop = asyncio.Event(), asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        device_set = DeviceSet(self.devices, self._wake_threadsafe(loop))
        device_set.start()
        self.device_set = device_set
        tasks = [asyncio.create_task(coro) for coro in self._loops()]
        startup_ms = (time.monotonic() - self.stats.started_monotonic) * 1000
        self.notifier.ready(f"lane {self.config.lane.id} running")
        log_event(log, "lane.ready", lane=self.config.lane.id, devices=len(self.devices),
                  startup_ms=round(startup_ms, 1), data_dir=str(self.data_dir))
        booth = await self._start_booth()
        await self._stop.wait()
        if booth is not None:
            await booth.stop()
        await self._shutdown(device_set, tasks)
        return 0

    def request_stop(self, reason: str) -> None:
        if self._stop is not None and not self._stop.is_set():
            log_event(log, "lane.stopping", reason=reason)
            self._stop.set()

    def _on_signal(self, sig: signal.Signals) -> None:
        self.request_stop(signal.Signals(sig).name)

    def _wake_threadsafe(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        wake = self._wake

        def emit() -> None:
            with contextlib.suppress(RuntimeError):  # loop already closed at exit
                loop.call_soon_threadsafe(wake.set)

        return emit

    def _loops(self) -> list[Awaitable[None]]:
        loops = [self._consume(), self._ticker()]
        interval = watchdog_interval_s()
        if interval:
            loops.append(self._watchdog(interval))
        return loops

    async def _consume(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while batch := self.device_set.take_round():
                for read in batch:
                    self.handle_read(read)
                    await asyncio.sleep(0)  # the uplink, the watchdog and the booth run between reads

    def handle_read(self, read: DeviceRead) -> None:
        """Store one device read in its crossing; a bad read is counted, never fatal; a full disk holds it."""
        if self._tapped(read):
            return
        if read.kind == "presence":
            self._presence(read)
            return
        # The plates are read from the frame in memory while the JPEG evidence is written and synced.
        reading = self._start_recognition(read)
        image_path = self._store_image(read) if read.image else None
        read_in = ReadIn(device=read.device, kind=read.kind, value=read.value, data=dict(read.data),
                         read_at=read.at, image_path=image_path)
        if read.image and image_path is None:
            read_in.data["image_shed"] = True
        # Held reads go first, so a read never overtakes one the disk had no room for.
        if self._held or self._record(read_in, read, reading=reading) is FULL:
            if reading is not None:
                reading.cancel()  # a held read is stored later, without its plates joining it
            self._hold(read_in, read)

    def _record(self, read_in: ReadIn, read: DeviceRead, into: str | None = None,
                reading: asyncio.Future | None = None) -> str | None:
        """The crossing the read joined; FULL when the disk had no room (the caller holds it); None if bad."""
        try:
            recorded = self.lifecycle.record_read(read_in, into=into)
        except Exception as exc:
            if disk_full(exc):
                return FULL
            self.stats.reads_failed += 1
            log_event(log, "read.failed", logging.ERROR, device=read.device, kind=read.kind, error=repr(exc))
            if reading is not None:
                reading.cancel()  # no image read for its plates to join
            return None
        self._after_record(recorded, read.device, read.kind, read.value)
        if reading is not None:  # plates join the image's crossing, even when its JPEG was shed
            self._spawn(self._recognise(recorded, read, read_in.image_path, reading))
        return recorded.crossing_id

    def _store_image(self, read: DeviceRead) -> str | None:
        """The image's path, or None when the disk budget sheds it (images go first, reads never)."""
        if not self.disk.room_for_image(len(read.image)):
            self.stats.images_shed += 1
            return None
        try:
            return save_image(self.data_dir, read.image, read.at)
        except OSError as exc:
            self.disk.shed()
            self.stats.images_shed += 1
            log_event(log, "image.not_stored", logging.WARNING, device=read.device, error=str(exc))
            return None

    def _hold(self, read_in: ReadIn, read: DeviceRead) -> None:
        if len(self._held) >= HOLD_LIMIT:
            self.stats.reads_lost += 1
            log_event(log, "read.lost", logging.ERROR, device=read.device, kind=read.kind, held=len(self._held))
            return
        last = self._held[-1] if self._held else None
        crossing = last.crossing_id if last else (self.lifecycle.current_open() or {}).get("id")
        if crossing is None and last is None:
            self._held_group += 1
        self._held.append(HeldRead(read_in, read, crossing, self._held_group))
        self.stats.reads_held = len(self._held)
        if len(self._held) == 1:
            log_event(log, "read.held", logging.WARNING, device=read.device, reason="disk full")

    def _retry_held(self) -> None:
        """Store held reads, oldest first, into their own crossings, once the disk has room again."""
        while self._held and self.disk.has_room():
            held = self._held[0]
            into = held.crossing_id or self._landed.get(held.group)
            crossing = self._record(held.read_in, held.read, into)
            if crossing is FULL:
                break
            self._held.popleft()
            self.stats.reads_retried += 1
            if crossing is not None and held.crossing_id is None:
                self._landed.setdefault(held.group, crossing)
        self.stats.reads_held = len(self._held)

    def _start_recognition(self, read: DeviceRead) -> asyncio.Future | None:
        """Recognition of a camera read's frame (or its JPEG), begun now on the vision worker."""
        if self.recognition is None or not read.image:
            return None
        return self.recognition.start(read.image, read.device, read.frame)

    def _presence(self, read: DeviceRead) -> None:
        """A vehicle arrived or left, from a configured presence source; others' presence events are counted only."""
        if read.device not in self.config.lifecycle.presence_sources:
            self.stats.presence_ignored += 1
            return
        epc = read.data.get("epc") if isinstance(read.data.get("epc"), str) else None
        try:
            if read.value == "arrived":
                crossing_id = self.lifecycle.open_on_presence(read.device)
            elif read.value == "left":
                crossing_id = self.lifecycle.vehicle_left(read.device, epc)
            else:
                self.stats.presence_ignored += 1
                return
        except Exception as exc:  # a storage fault must not stop the lane
            self.stats.reads_failed += 1
            log_event(log, "presence.failed", logging.ERROR, device=read.device, error=repr(exc))
            return
        log_event(log, f"vehicle.{read.value}", device=read.device, crossing=crossing_id or "none")
        if crossing_id:
            self._tell(f"vehicle.{read.value}", {"crossing_id": crossing_id})

    def _after_record(self, recorded, device: str, kind: str, value: str) -> None:
        self.stats.reads += 1
        if recorded.opened:
            self.stats.crossings_opened += 1
            log_event(log, "crossing.opened", crossing=recorded.crossing_id, trigger=f"read:{kind}")
            self._tell("crossing.opened", {"crossing_id": recorded.crossing_id})
        log_event(log, "read.recorded", crossing=recorded.crossing_id, device=device, kind=kind, value=value)
        self._tell("read.recorded", {"crossing_id": recorded.crossing_id, "kind": kind, "value": value,
                                     "read_id": recorded.read_id, "device": device})

    @property
    def in_flight(self) -> int:
        """Background work not yet landed in the database (camera images still being read)."""
        return len(self._background)

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _recognise(self, image, read: DeviceRead, image_path: str | None, reading: asyncio.Future) -> None:
        """Plates/containers read from a camera image join the image's crossing as their own reads."""
        try:
            await self._recognised(image, read, image_path, reading)
        finally:  # listeners (the terminal view) learn the image has been read, whatever was found
            self._tell("image.recognised", {"crossing_id": image.crossing_id, "read_id": image.read_id})

    async def _recognised(self, image, read: DeviceRead, image_path: str | None, reading: asyncio.Future) -> None:
        for kind, value, data in await reading:
            try:
                recorded = self.lifecycle.record_read(ReadIn(
                    device=read.device, kind=kind, value=value, data={**data, "image_read_id": image.read_id},
                    read_at=read.at, image_path=image_path), into=image.crossing_id)
            except Exception as exc:
                self.stats.reads_failed += 1
                log_event(log, "read.failed", logging.ERROR, device=read.device, kind=kind, error=repr(exc))
                continue
            self._after_record(recorded, read.device, kind, value)

    # --- booth screen (station/booth) ---------------------------------------------------

    async def _start_booth(self):
        """The booth screen in this loop when ``[booth] enabled``; None if off or it could not start."""
        if not self.config.booth.enabled:
            return None
        from garita.station.booth.server import BoothServer  # web stack loaded only when the booth is on

        booth = BoothServer(self)
        return booth if await booth.start() else None

    def _tapped(self, read: DeviceRead) -> bool:
        """True when a tap (the booth's badge reader) took this read out of the crossing flow."""
        for tap in self.read_taps:
            try:
                if tap(read):
                    return True
            except Exception as exc:
                log_event(log, "read_tap.failed", logging.WARNING, device=read.device, error=repr(exc))
        return False

    def decide(self, crossing_id: str, action: str, officer_id: str, reason: str = "", **record: Any) -> str:
        """Record a decision; the log line is written only after the commit (it is the acknowledgement).

        ``record`` passes the rest of the joint decision record (second_officer_id, notes,
        recommendation) to :meth:`Lifecycle.decide`.
        """
        decision_id = self.lifecycle.decide(crossing_id, action, officer_id, reason, **record)
        self.stats.decisions += 1
        log_event(log, "decision.recorded", crossing=crossing_id, decision=decision_id,
                  action=action, officer=officer_id, reason=reason)
        self._tell("decision.recorded", {"crossing_id": crossing_id, "action": action})
        return decision_id

    def move_read(self, read_id: int, to: str | None, actor: str, reason: str = "") -> str:
        """An officer's correction of where a read belongs (audited); the screens hear of it."""
        source = self.store.read(read_id)
        target = self.lifecycle.move_read(read_id, to, actor, reason)
        log_event(log, "read.moved", read=read_id, to=target, actor=actor)
        self._tell("read.moved", {"crossing_id": target, "from": source["crossing_id"] if source else None})
        return target

    def status(self, state: str) -> dict:
        """The lane, its counters and each device's health, as `garita devices` shows them."""
        health = self.device_set.health() if self.device_set else {}
        kinds = {d.name: (d.kind, d.driver) for d in self.config.devices}
        devices = {name: {"kind": kinds.get(name, ("?", "?"))[0], "driver": kinds.get(name, ("?", "?"))[1],
                          **snapshot} for name, snapshot in health.items()}
        stats = {k: v for k, v in vars(self.stats).items() if k != "started_monotonic"}
        return {"lane": self.config.lane.id, "pid": os.getpid(), "state": state, "stats": stats,
                "devices": devices, "readiness": self.readiness, "metrics_url": self.observability.url}

    def status_extras(self) -> dict[str, Any]:
        """What other parts report for the booth's status strip: watchlist freshness, uplink state."""
        extras: dict[str, Any] = {}
        watchlist = getattr(self.risk, "watchlist", None)
        if watchlist is not None:
            meta = watchlist.meta()
            created = meta.get("created_at")
            extras["watchlist"] = {
                "version": meta.get("version"), "stale_after_s": watchlist.stale_after_s,
                "updated_ms": datetime.fromisoformat(created).timestamp() * 1000 if created else None}
        uplink = getattr(self, "uplink", None)
        if uplink is not None:
            extras["uplink"] = uplink.status()
        return extras

    def _write_status(self, state: str) -> None:
        now = time.monotonic()
        if state == "running" and now - self._status_written < 1.0:
            return
        self._status_written = now
        try:
            write_status(self.data_dir, self.status(state))
        except OSError as exc:  # a full disk must not stop the lane; the log says so
            log_event(log, "status.write_failed", logging.WARNING, error=str(exc))

    def _tell(self, event: str, detail: dict) -> None:
        for listener in self.listeners:
            try:
                listener(event, detail)
            except Exception as exc:  # a display problem must not stop the lane
                log_event(log, "listener.failed", logging.WARNING, error=repr(exc))

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self.config.lifecycle.tick_s)
            await self.tick()

    async def tick(self) -> None:
        if self._held:
            self._retry_held()
        self.disk.sweep()
        if self.device_set is not None:
            self.health_watch.check(self.device_set.health())
            self._write_status("running")
        for crossing_id in self.lifecycle.flag_idle():
            self.stats.flagged += 1
            log_event(log, "crossing.flagged_idle", logging.WARNING, crossing=crossing_id)
            self._tell("crossing.flagged_idle", {"crossing_id": crossing_id})
        for plugin in self.plugins:
            try:
                await plugin.tick(self)
            except Exception as exc:
                log_event(log, "plugin.failed", logging.ERROR, plugin=type(plugin).__name__, error=repr(exc))
        if self.stop_when is not None and self.stop_when():
            self.request_stop("done")

    async def _watchdog(self, interval: float) -> None:
        # Pinged from the event loop itself: if the loop wedges, the pings stop and systemd restarts us.
        last_status = ""
        while True:
            self.notifier.watchdog()
            open_now = len(self.store.crossings_in_state("open"))
            status = f"lane {self.config.lane.id}: {open_now} open, {self.stats.reads} reads"
            if status != last_status:
                self.notifier.status(status)
                last_status = status
            await asyncio.sleep(interval)

    async def _finish_background(self, deadline: float) -> None:
        """Let recognitions in flight land in the database, within the stop budget."""
        if self._background:
            _done, pending = await asyncio.wait(set(self._background), timeout=max(deadline - time.monotonic(), 0.1))
            for task in pending:
                task.cancel()
            if pending:
                log_event(log, "vision.abandoned", logging.WARNING, images=len(pending))
        if self.recognition is not None:
            self.recognition.close()

    async def _close_plugins(self, timeout: float) -> None:
        """Let plugins that hold connections say goodbye (the uplink publishes its `stopped` presence)."""
        for plugin in self.plugins:
            close = getattr(plugin, "aclose", None)
            if close is None:
                continue
            try:
                await asyncio.wait_for(close(), timeout)
            except Exception as exc:  # a broker that does not answer must not hold the stop
                log_event(log, "plugin.close_failed", logging.WARNING, plugin=type(plugin).__name__, error=repr(exc))

    async def _shutdown(self, device_set: DeviceSet, tasks: list[asyncio.Task]) -> None:
        self.notifier.stopping()
        started = time.monotonic()
        stuck = await asyncio.to_thread(device_set.stop, 2.0)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        drained = 0
        while batch := device_set.take_round():  # reads that arrived before the devices stopped are kept
            for read in batch:
                self.handle_read(read)
                drained += 1
        if self._held:  # a last try for reads the disk had no room for; what stays is counted and logged
            self._retry_held()
            if self._held:
                self.stats.reads_lost += len(self._held)
                log_event(log, "read.lost", logging.ERROR, held_at_stop=len(self._held))
        await self._finish_background(deadline=started + 3.0)
        await self._close_plugins(timeout=1.5)
        self._write_status("stopped")
        log_event(log, "lane.stopped", drained_reads=drained, stuck_devices=",".join(stuck) or "none",
                  shutdown_ms=round((time.monotonic() - started) * 1000, 1), reads=self.stats.reads,
                  decisions=self.stats.decisions)
