"""``garita bench central``: simulated lanes -> a local Mosquitto -> N ``garita central`` processes -> PostgreSQL.

Each simulated lane is a real outbox (the caller's, a lane database) and a real MQTT session
(:class:`SyncLink`) on loopback, 125 lanes to a worker process. Every run gets fresh lanes and a fresh
database; one run per consumer count, then a fault run that crash-restarts PostgreSQL and SIGKILLs a
consumer (restarted as systemd would) mid-burst. Figures come from the database itself: events stored,
repeats stored, sequence numbers missing, and each event's end-to-end latency (the lane's
``created_at`` to the row's insert).
"""

from __future__ import annotations

import json
import multiprocessing
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from garita.sync.broker import MosquittoProcess
from garita.sync.central.pg_process import PostgresProcess
from garita.sync.central.store_postgres import PostgresStore
from garita.sync.link import BrokerSettings, LinkSettings, SyncLink
from garita.sync.outbox import OutboxSource
from garita.sync.signing import KeyRing, load_public_key, write_keypair
from garita.sync.topics import LaneTopics
from garita.sync.uplink import UplinkSettings

LANES_PER_PORT = 10
LANES_PER_PROCESS = 125


class BenchLane(Protocol):
    """A lane's outbox as the caller builds it (the station: its own lane database)."""

    outbox: OutboxSource

    def write_reads(self, count: int) -> None:
        """Commit ``count`` backlog-priority read events (one transaction)."""
        ...

    def write_decision(self) -> None:
        """Commit one live-priority decision event."""
        ...

    def close(self) -> None: ...


LaneFactory = Callable[[Path, str, str], BenchLane]  # (directory, port, lane)
ConsumerArgv = Callable[[str, int, str, Path, str], list[str]]  # (dsn, broker port, client id, key file, group)


@dataclass
class RunFigures:
    name: str
    consumers: int
    lanes: int
    events: int
    seconds: float
    events_per_s: float
    decision_latency_ms_p50: float
    decision_latency_ms_p95: float
    backlog_latency_ms_p95: float
    duplicates_stored: int
    gaps_left: int
    lost: int
    consumer_kills: int = 0
    database_restarts: int = 0
    store_retries: int = 0
    resend_requests: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class _SimLane:
    lane: BenchLane
    link: SyncLink
    reads: int = 0  # writes the pump thread owes this lane
    decisions: int = 0
    dirty: bool = True
    next_poll: float = 0.0


class _Lanes:
    """The simulated lanes and the few threads that pump them (each lane always on the same thread)."""

    def __init__(self, make: LaneFactory, work: Path, run: int, numbers: range, broker: BrokerSettings, keys: KeyRing,
                 rate_per_s: float, threads: int = 4):
        self.sims: list[_SimLane] = []
        batch = max(1, min(100, int(rate_per_s)))  # a paced lane's first batch is no bigger than a second's worth
        for number in numbers:
            port, lane = f"{run}{number // LANES_PER_PORT:03d}", f"lane-{number % LANES_PER_PORT:02d}"
            sim_lane = make(work / f"{port}-{lane}", port, lane)
            settings = LinkSettings(broker=BrokerSettings(broker.host, broker.port, f"{port}-{lane}",
                                                          reconnect_min_s=0.1, reconnect_max_s=2.0),
                                    uplink=UplinkSettings(max_inflight=16, batch_max_events=batch,
                                                          backlog_rate_per_s=rate_per_s), poll_s=0.05)
            link = SyncLink(settings, LaneTopics(port, lane), sim_lane.outbox, keys, lambda _v: None)
            self.sims.append(_SimLane(sim_lane, link))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._pump, args=(self.sims[n::threads],), daemon=True,
                                          name=f"bench-lanes-{n}") for n in range(min(threads, len(numbers)))]

    def start(self, timeout_s: float = 60.0) -> None:
        for sim in self.sims:
            sim.link.start()
        for thread in self._threads:
            thread.start()
        deadline = time.monotonic() + timeout_s
        while not all(sim.link.connected() for sim in self.sims):
            if time.monotonic() > deadline:
                raise TimeoutError("central bench: the simulated lanes could not all connect")
            time.sleep(0.05)

    def owe(self, reads: int = 0, decisions: int = 0, lanes: list[_SimLane] | None = None) -> None:
        with self._lock:
            for sim in lanes if lanes is not None else self.sims:
                sim.reads += reads
                sim.decisions += decisions

    def _pump(self, mine: list[_SimLane]) -> None:
        while not self._stop.is_set():
            busy = False
            for sim in mine:
                busy |= self._write_owed(sim)
                now = time.monotonic()
                if sim.dirty or sim.link.activity.is_set() or now >= sim.next_poll:
                    sim.next_poll = now + 0.25
                    sim.dirty = sim.link.pump() > 0
                    busy |= sim.dirty
            if not busy:
                time.sleep(0.005)

    def _write_owed(self, sim: _SimLane) -> bool:
        with self._lock:
            reads, decisions, sim.reads, sim.decisions = sim.reads, sim.decisions, 0, 0
        if reads:
            sim.lane.write_reads(reads)
        for _ in range(decisions):
            sim.lane.write_decision()
        sim.dirty |= bool(reads or decisions)
        return bool(reads or decisions)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)
        for sim in self.sims:
            sim.link.stop()
            sim.lane.close()


def _lane_worker(make: LaneFactory, work: Path, run: int, numbers: range, broker: BrokerSettings, key_file: Path,
                 rate_per_s: float, conn: Connection) -> None:
    """A process of simulated lanes (paho's select() loop caps one process at about 340 clients): it runs
    what the bench sends, ``("reads", n)``, ``("decisions", [lane numbers])``, ``("stop",)``."""
    try:
        lanes = _Lanes(make, work, run, numbers, broker, KeyRing.of({"bench": load_public_key(key_file)}), rate_per_s)
        lanes.start()
    except Exception as exc:
        conn.send(("error", repr(exc)))
        return
    conn.send(("ready",))
    while True:
        command = conn.recv()
        if command[0] == "reads":
            lanes.owe(reads=command[1])
        elif command[0] == "decisions":
            lanes.owe(decisions=1, lanes=[lanes.sims[number - numbers.start] for number in command[1]])
        else:
            lanes.stop()
            conn.send(("stopped",))
            return


class _LaneProcesses:
    """The run's simulated lanes, ``LANES_PER_PROCESS`` to a worker process."""

    def __init__(self, make: LaneFactory, work: Path, run: int, count: int, broker: BrokerSettings, key_file: Path,
                 rate_per_s: float):
        context = multiprocessing.get_context("spawn")
        self.count, self.workers = count, []
        for first in range(0, count, LANES_PER_PROCESS):
            numbers = range(first, min(count, first + LANES_PER_PROCESS))
            ours, theirs = context.Pipe()
            process = context.Process(target=_lane_worker, args=(make, work, run, numbers, broker, key_file,
                                                                 rate_per_s / count, theirs), daemon=True)
            self.workers.append((numbers, process, ours))

    def start(self, timeout_s: float = 120.0) -> None:
        for _numbers, process, _conn in self.workers:
            process.start()
        for _numbers, _process, conn in self.workers:
            if not conn.poll(timeout_s):
                raise TimeoutError("central bench: a process of simulated lanes did not start")
            answer = conn.recv()
            if answer[0] != "ready":
                raise RuntimeError(f"central bench: simulated lanes failed: {answer[1]}")

    def owe_reads(self, count: int) -> None:
        for _numbers, _process, conn in self.workers:
            conn.send(("reads", count))

    def owe_decisions(self, lanes: list[int]) -> None:
        for numbers, _process, conn in self.workers:
            mine = [number for number in lanes if number in numbers]
            if mine:
                conn.send(("decisions", mine))

    def stop(self) -> None:
        for _numbers, process, conn in self.workers:
            if process.is_alive():
                conn.send(("stop",))
        for _numbers, process, conn in self.workers:
            if process.is_alive() and conn.poll(60):
                conn.recv()
            process.join(10)


class _Consumer:
    """One ``garita central`` process of the group, its output in files (read for its last counters)."""

    def __init__(self, argv: list[str], log_dir: Path, client_id: str):
        self.argv, self.client_id = argv, client_id
        self.out, self.err = log_dir / f"{client_id}.out", log_dir / f"{client_id}.err"
        self.process: subprocess.Popen[bytes] | None = None
        self.finished: list[dict] = []  # the last counters of each process that exited cleanly

    def start(self, timeout_s: float = 60.0) -> None:
        marker = self.err.stat().st_size if self.err.exists() else 0
        with open(self.out, "ab") as out, open(self.err, "ab") as err:
            self.process = subprocess.Popen(self.argv, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout_s
        while b"central: connected" not in self.err.read_bytes()[marker:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"central bench: consumer {self.client_id} did not start: "
                                   f"{self.err.read_text(errors='replace')[-800:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(30)

    def terminate(self) -> dict:
        """SIGTERM (it stores what it holds, then exits); returns its final counters."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(60)
        return self.last_counters()

    def last_counters(self) -> dict:
        lines = [line for line in self.out.read_text(errors="replace").splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else {}


def _forget_session(broker: BrokerSettings, client_id: str) -> None:
    """End a consumer's persistent session, so a later run's group does not share messages with a ghost."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 0
    client.connect(broker.host, broker.port, clean_start=True, properties=properties)
    client.loop_start()
    deadline = time.monotonic() + 10
    while not client.is_connected() and time.monotonic() < deadline:
        time.sleep(0.02)
    client.disconnect()
    client.loop_stop()


@dataclass(frozen=True)
class BenchPlan:
    lanes: int = 100
    consumers: tuple[int, ...] = (1, 2, 4)
    events_per_lane: int = 200
    decisions_per_s: float = 50.0  # live decisions written across all lanes while the burst drains
    faults: bool = True
    fault_rate_per_s: float = 2000.0  # the fault run drains its backlog at this rate (all lanes): faults land mid-burst
    timeout_s: float = 600.0


class CentralBench:
    """Owns the broker, the database server and the signing key for all runs."""

    def __init__(self, plan: BenchPlan, make_lane: LaneFactory, consumer_argv: ConsumerArgv, work: Path,
                 progress: Callable[[str], None] = lambda _m: None):
        self.plan, self.make_lane, self.consumer_argv, self.work = plan, make_lane, consumer_argv, work
        self.progress = progress
        self.broker_process = MosquittoProcess(work / "broker")
        self.postgres = PostgresProcess()  # durable settings: fsync, synchronous commit
        self.key_file, self.public_file = work / "central.pem", work / "central.pub"
        write_keypair(self.key_file, self.public_file)
        self.broker = BrokerSettings("127.0.0.1", self.broker_process.port, "bench")

    def run(self) -> list[RunFigures]:
        self.broker_process.start()
        self.postgres.start()
        try:
            figures = [self._run(number, count) for number, count in enumerate(self.plan.consumers, 1)]
            if self.plan.faults:
                figures.append(self._run(len(figures) + 1, max(2, min(self.plan.consumers)), faults=True))
            return figures
        finally:
            self.postgres.stop()
            self.broker_process.stop()

    def _run(self, number: int, consumers: int, faults: bool = False) -> RunFigures:
        name = "faults" if faults else f"{consumers} consumer{'s' * (consumers > 1)}"
        self.progress(f"run {number}: {name}, {self.plan.lanes} lanes")
        dsn = self.postgres.new_database(f"bench_{number}")
        reader = PostgresStore(dsn)  # creates the schema before the consumers race to
        group = [self._consumer(dsn, f"bench-{number}-{n}", f"bench{number}") for n in range(consumers)]
        rate = self.plan.fault_rate_per_s if faults else 1e9
        lanes = _LaneProcesses(self.make_lane, self.work / f"run-{number}", number, self.plan.lanes, self.broker,
                               self.public_file, rate)
        try:
            for consumer in group:
                consumer.start()
            lanes.start()
            figures = self._burst(name, lanes, reader, group, faults)
        finally:
            lanes.stop()
            counters = [c.terminate() for c in group if c.process is not None and c.process.poll() is None]
            for consumer in group:
                _forget_session(self.broker, consumer.client_id)
            reader.close()
        figures.store_retries += sum(c.get("store_retries", 0) for c in counters)
        figures.resend_requests += sum(c.get("resend_requests", 0) for c in counters)
        return figures

    def _consumer(self, dsn: str, client_id: str, group: str) -> _Consumer:
        argv = self.consumer_argv(dsn, self.broker.port, client_id, self.key_file, group)
        return _Consumer(argv, self.work, client_id)

    def _burst(self, name: str, lanes: _LaneProcesses, reader: PostgresStore, group: list[_Consumer],
               faults: bool) -> RunFigures:
        plan, expected = self.plan, self.plan.lanes * self.plan.events_per_lane
        started = time.monotonic()
        lanes.owe_reads(plan.events_per_lane)
        pending = [(0.2, "database_restarts", self._restart_database),
                   (0.5, "consumer_kills", lambda: self._kill_and_restart(group[0]))] if faults else []
        done: dict[str, int] = {"consumer_kills": 0, "database_restarts": 0}
        notes: list[str] = []
        decisions, stored = 0, 0
        while stored < expected + decisions:
            if time.monotonic() - started > plan.timeout_s:
                raise TimeoutError(f"central bench: {stored} of {expected + decisions} stored after {plan.timeout_s}s")
            decisions += self._live_decisions(lanes, decisions, started, stored < expected)
            if pending and stored >= pending[0][0] * expected:
                _, what, act = pending.pop(0)
                notes.append(f"{what.replace('_', ' ')[:-1]} at {stored} of {expected} stored")
                act()
                done[what] += 1
            time.sleep(0.1)
            stored = self._stored(reader, stored)
        seconds = time.monotonic() - started
        figures = self._figures(name, len(group), reader, expected + decisions, seconds)
        figures.consumer_kills, figures.database_restarts, figures.notes = done["consumer_kills"], \
            done["database_restarts"], notes
        return figures

    def _restart_database(self) -> None:
        self.progress("  PostgreSQL: immediate shutdown (a crash), then start")
        self.postgres.restart(crash=True)

    def _live_decisions(self, lanes: _LaneProcesses, written: int, started: float, draining: bool) -> int:
        """Decisions due by now at ``decisions_per_s``, one per lane in turn, while the backlog drains."""
        if not draining:
            return 0
        due = int((time.monotonic() - started) * self.plan.decisions_per_s) - written
        if due <= 0:
            return 0
        lanes.owe_decisions([(written + n) % lanes.count for n in range(due)])
        return due

    @staticmethod
    def _stored(reader: PostgresStore, previous: int) -> int:
        try:
            return reader.stored_total()
        except Exception:  # the database restarting under the fault run: ask again next round
            return previous

    def _kill_and_restart(self, consumer: _Consumer) -> None:
        self.progress(f"  SIGKILL {consumer.client_id}; restarting it (as systemd would)")
        consumer.kill()
        time.sleep(1.0)
        consumer.start()

    def _figures(self, name: str, consumers: int, reader: PostgresStore, expected: int, seconds: float
                 ) -> RunFigures:
        delivery, decisions = reader.delivery(), reader.delivery(kind="decision")
        return RunFigures(name, consumers, self.plan.lanes, expected, round(seconds, 2),
                          round(expected / seconds, 1), decisions["latency_ms_p50"], decisions["latency_ms_p95"],
                          delivery["latency_ms_p95"], delivery["duplicates"], delivery["missing"],
                          expected - delivery["events"])


def run_bench(plan: BenchPlan, make_lane: LaneFactory, consumer_argv: ConsumerArgv,
              progress: Callable[[str], None] = lambda _m: None) -> list[dict]:
    """All runs of ``plan``; one dict of figures per run."""
    with tempfile.TemporaryDirectory(prefix="garita-bench-central-") as tmp:
        bench = CentralBench(plan, make_lane, consumer_argv, Path(tmp), progress)
        return [asdict(figures) for figures in bench.run()]
