"""Issue 17 rows 2 and 7: PIN guessing under concurrency, and failed sign-ins with random ids.

Each test runs its own lane subprocess (the throttle remembers failures for a minute) and
attacks it from loopback with many concurrent requests.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Iterator

import httpx
import pytest

from garita.station.booth import pins
from garita.station.booth.officer_accounts import Officer, pin_matches
from garita.station.booth.throttle import MAX_CLIENT_FAILURES, MAX_FAILURES
from tests.booth.conftest import Lane, seed_officers


@pytest.fixture
def fresh_lane(tmp_path) -> Iterator[Lane]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    seed_officers(data_dir)
    running = Lane(data_dir)
    running.start()
    yield running
    running.stop()


async def _attempts(url: str, tries: list[tuple[str, str]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(tries))
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        csrf = (await client.get("/api/session")).json()["csrf"]
        return await asyncio.gather(*(client.post("/api/signin/pin", json={"officer_id": who, "pin": pin},
                                                  headers={"x-csrf-token": csrf}) for who, pin in tries))


def test_500_concurrent_guesses_get_five_tries_and_the_right_pin_31st_fails(fresh_lane) -> None:
    tries = [("s-200", f"{n:04d}") for n in range(500)]
    tries[30] = ("s-200", "5555")  # the right PIN, 31st
    answers = asyncio.run(_attempts(fresh_lane.url, tries))
    codes = [a.status_code for a in answers]
    print(f"\n500 concurrent: {codes.count(401)} checked and wrong, {codes.count(429)} refused unchecked,"
          f" {codes.count(200)} signed in")
    assert codes.count(200) == 0 and codes.count(401) == MAX_FAILURES
    assert codes.count(429) == 500 - MAX_FAILURES
    assert not fresh_lane.query("SELECT * FROM audit WHERE action = 'booth.signin' AND actor = 'officer:s-200'")


def test_random_id_failures_are_one_audit_row_per_burst_and_the_lane_answers(fresh_lane) -> None:
    tries = [(f"x-{n}", "1234") for n in range(300)]
    outbox_before = fresh_lane.query("SELECT COUNT(*) AS n FROM outbox")[0]["n"]

    async def probe() -> list[float]:
        took = []
        async with httpx.AsyncClient(base_url=fresh_lane.url, timeout=30) as client:
            for _ in range(20):
                started = time.perf_counter()
                assert (await client.get("/api/session")).status_code == 200
                took.append((time.perf_counter() - started) * 1000)
        return took

    async def attack_and_time() -> tuple[list[httpx.Response], list[float]]:
        return await asyncio.gather(_attempts(fresh_lane.url, tries), probe())

    quiet = asyncio.run(probe())  # the baseline, same lane, same run
    answers, took = asyncio.run(attack_and_time())
    codes = [a.status_code for a in answers]
    print(f"\n300 random ids: {codes.count(401)} checked, {codes.count(429)} refused, {codes.count(503)} busy;"
          f" /api/session p50 {statistics.median(quiet):.1f} ms quiet, {statistics.median(took):.1f} ms during"
          f" the flood (max {max(took):.1f} ms)")
    # The client's limit holds however the requests interleave; a busy answer was never checked.
    assert codes.count(401) == MAX_CLIENT_FAILURES and set(codes) <= {401, 429, 503}
    fresh_lane.stop()  # the burst row is written when the burst ends, or at the latest at stop
    single = fresh_lane.query("SELECT * FROM audit WHERE action = 'booth.signin_failed'")
    bursts = fresh_lane.query("SELECT * FROM audit WHERE action = 'booth.signin_failed_burst'")
    assert len(single) <= 1 and len(bursts) == 1  # the first failure may have a row of its own
    burst = json.loads(bursts[0]["detail"])
    assert burst["count"] + len(single) == 300 and burst["refused"] == 300 - MAX_CLIENT_FAILURES
    assert burst["distinct_ids"] == burst["count"] and len(burst["ids"]) == 10
    outbox_after = fresh_lane.query("SELECT COUNT(*) AS n FROM outbox")[0]["n"]
    assert outbox_after - outbox_before <= 3  # two audit rows (and the lane's own stop), not 300


def test_an_unknown_id_costs_the_same_scrypt_as_a_real_one(monkeypatch) -> None:
    calls: list[int] = []
    real_scrypt = pins.hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(kwargs["n"])
        return real_scrypt(*args, **kwargs)

    monkeypatch.setattr(pins.hashlib, "scrypt", counting)
    officer = Officer("o-1", "A", "officer", pins.hash_pin("4321"), None, "", True)
    calls.clear()

    def timed(who: Officer | None, pin: str) -> float:
        started = time.perf_counter()
        asyncio.run(pin_matches(who, pin))
        return (time.perf_counter() - started) * 1000

    known = [timed(officer, "0000") for _ in range(5)]
    unknown = [timed(None, "0000") for _ in range(5)]
    print(f"\nwrong PIN, real id {statistics.median(known):.1f} ms; unknown id {statistics.median(unknown):.1f} ms")
    assert calls == [pins.N] * 10  # the same scrypt runs for both
    assert asyncio.run(pin_matches(officer, "4321")) and not asyncio.run(pin_matches(None, "4321"))
