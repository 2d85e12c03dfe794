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
from pathlib import Path
from typing import Any

from garita.drivers.events import Device, DeviceRead
from garita.station.config.lane_config import LaneConfig
from garita.station.core.device_threads import DeviceSet
from garita.station.core.disk_budget import DiskBudget, disk_full
from garita.station.core.evidence_images import save_image
from garita.station.core.lane_hooks import LaneHooks
from garita.station.core.lifecycle import LATEST_ASSESSMENT, Lifecycle, ReadIn
from garita.station.core.recognition import ImageRecognition
from garita.station.ops.event_log import log_event
from garita.station.ops.health_watch import HealthWatch
from garita.station.ops.sdnotify import Notifier, watchdog_interval_s
from garita.station.ops.status_file import write_status
from garita.station.storage.joint_decisions import change_mark, save_joint_rule
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
    """The core: storage, lifecycle and devices; the parts beside it come in through ``hooks``.

    ``run`` returns the process exit code. :mod:`garita.station.wiring` builds the hooks (risk,
    uplink, booth, metrics...); a daemon built without them records crossings and nothing more.
    """

    def __init__(self, config: LaneConfig, data_dir: Path, store: LaneStore, devices: list[Device],
                 notifier: Notifier | None = None, hooks: LaneHooks | None = None):
        self.config = config
        self.data_dir = data_dir
        self.store = store
        self.lifecycle = Lifecycle(store, config.lane.id, config.lifecycle.idle_timeout_s,
                                   presence=bool(config.lifecycle.presence_sources),
                                   late_read_s=config.lifecycle.late_read_s)
        self.devices = devices
        self.notifier = notifier or Notifier()
        self.hooks = hooks or LaneHooks()
        self._decisions_mark: tuple[int, int, int] | None = None
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
        self._stop_when: Callable[[], bool] | None = None

    async def run(self, stop_when: Callable[[], bool] | None = None) -> int:
        """Run until SIGTERM/SIGINT (or until ``stop_when()`` turns true, checked each tick)."""
        self._stop_when = stop_when
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
        self._save_joint_rule()
        services = [service for service in self.hooks.services if await service.start()]
        await self._stop.wait()
        for service in services:
            await service.stop()
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
        if self.hooks.tapped(read):
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

    def decide(self, crossing_id: str, action: str, officer_id: str, reason: str = "", *,
               second_officer_id: str | None = None, notes: str = "",
               recommendation: str | object | None = LATEST_ASSESSMENT, joint: dict[str, object] | None = None) -> str:
        """Record a decision; the log line is written only after the commit (it is the acknowledgement).

        The rest of the joint decision record (both agencies' officers) goes to :meth:`Lifecycle.decide` as it is.
        """
        decision_id = self.lifecycle.decide(crossing_id, action, officer_id, reason, notes=notes,
                                            second_officer_id=second_officer_id, recommendation=recommendation,
                                            joint=joint)
        self.stats.decisions += 1
        log_event(log, "decision.recorded", crossing=crossing_id, decision=decision_id,
                  action=action, officer=officer_id, reason=reason)
        self._tell("decision.recorded", {"crossing_id": crossing_id, "action": action})
        return decision_id

    def _save_joint_rule(self) -> None:
        """`garita decide` run without the config still applies this lane's joint rule (it reads it here)."""
        joint = self.config.joint
        try:
            save_joint_rule(self.store, joint.enabled, joint.countersign_within_s)
        except Exception as exc:  # a full disk must not stop the lane; the CLI then needs --config
            log_event(log, "joint_rule.not_saved", logging.WARNING, error=repr(exc))

    def _notice_decisions(self) -> None:
        """A decision, proposal or disagreement recorded by another process (`garita decide`) reaches the screens
        within a tick; the daemon's own channels tell them at once, and a repeat only redraws the same."""
        try:
            mark = change_mark(self.store)
        except Exception as exc:  # a storage fault must not stop the tick
            log_event(log, "decisions.check_failed", logging.WARNING, error=repr(exc))
            return
        if self._decisions_mark is not None and mark != self._decisions_mark:
            self._tell("decisions.changed", {"crossing_id": None})
        self._decisions_mark = mark

    def notify(self, event: str, detail: dict) -> None:
        """Tell the listeners (the booth's screens) of a committed change made outside the lifecycle."""
        self._tell(event, detail)

    def move_read(self, read_id: int, to: str | None, actor: str, reason: str = "") -> str:
        """An officer's correction of where a read belongs (audited); the screens hear of it."""
        source = self.store.read(read_id)
        target = self.lifecycle.move_read(read_id, to, actor, reason)
        log_event(log, "read.moved", read=read_id, to=target, actor=actor)
        self._tell("read.moved", {"crossing_id": target, "from": source["crossing_id"] if source else None})
        return target

    def device_health(self) -> dict[str, dict[str, Any]]:
        """Each running device's health snapshot ({} before the devices start)."""
        return self.device_set.health() if self.device_set is not None else {}

    def counters(self) -> dict[str, int]:
        """The lane's counters (reads, crossings, decisions...), for status and metrics."""
        return {k: v for k, v in vars(self.stats).items() if k != "started_monotonic"}

    def status(self, state: str) -> dict:
        """The lane, its counters and each device's health, as `garita devices` shows them."""
        health = self.device_health()
        kinds = {d.name: (d.kind, d.driver) for d in self.config.devices}
        devices = {name: {"kind": kinds.get(name, ("?", "?"))[0], "driver": kinds.get(name, ("?", "?"))[1],
                          **snapshot} for name, snapshot in health.items()}
        return {"lane": self.config.lane.id, "pid": os.getpid(), "state": state, "stats": self.counters(),
                "devices": devices, "readiness": None, "metrics_url": None, **self.hooks.status()}

    def _write_status(self, state: str) -> None:
        now = time.monotonic()
        if state == "running" and now - self._status_written < 1.0:
            return
        self._status_written = now
        try:
            write_status(self.data_dir, self.status(state))
        except OSError as exc:  # a full disk must not stop the lane; the log says so
            log_event(log, "status.write_failed", logging.WARNING, error=str(exc))

    def _tell(self, event: str, detail: dict[str, object]) -> None:
        self.hooks.tell(event, detail)

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
        self._notice_decisions()
        await self.hooks.tick_plugins()
        if self._stop_when is not None and self._stop_when():
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
        await self.hooks.close_plugins(timeout=1.5)
        self._write_status("stopped")
        log_event(log, "lane.stopped", drained_reads=drained, stuck_devices=",".join(stuck) or "none",
                  shutdown_ms=round((time.monotonic() - started) * 1000, 1), reads=self.stats.reads,
                  decisions=self.stats.decisions)
