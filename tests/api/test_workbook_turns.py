"""Workbook uploads take turns per worker: the rest wait in arrival order, and a turn that never comes is a 503."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from flask import Flask

from addin.api.workbook_turns import RETRY_AFTER_SECONDS, Turns
from addin.errors import ServiceUnavailable
from tests.api.conftest import upload


def _until(condition: Callable[[], bool], what: str) -> None:
    """Wait for another thread to reach a state (not a timing assertion: only a bound on a hang)."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.005)


def _holder(turns: Turns, released: threading.Event, order: list[str], name: str) -> threading.Thread:
    def hold() -> None:
        with turns.turn(wait=30):
            order.append(name)
            released.wait()

    thread = threading.Thread(target=hold, name=name)
    thread.start()
    return thread


def test_uploads_past_the_slots_get_their_turns_in_the_order_they_came():
    turns = Turns(slots=2)
    release = {name: threading.Event() for name in ("a", "b", "c", "d", "e")}
    order: list[str] = []
    threads = [_holder(turns, release["a"], order, "a"), _holder(turns, release["b"], order, "b")]
    _until(lambda: len(order) == 2, "both slots taken")
    for name in ("c", "d", "e"):  # queued one after another, in this order
        threads.append(_holder(turns, release[name], order, name))
        _until(lambda n=len(threads) - 2: turns.waiting == n, f"{name} queued")

    release["b"].set()  # b ends: its slot goes to c, the longest waiting
    _until(lambda: len(order) == 3, "c's turn")
    assert order == ["a", "b", "c"] and turns.waiting == 2
    release["a"].set()
    _until(lambda: len(order) == 4, "d's turn")
    release["c"].set()
    release["d"].set()
    release["e"].set()
    for thread in threads:
        thread.join(10)
    assert order == ["a", "b", "c", "d", "e"]
    assert turns.waiting == 0
    with turns.turn(wait=0), turns.turn(wait=0):  # every slot came back
        pass


def test_a_turn_that_does_not_come_in_time_is_refused_and_leaves_the_queue():
    turns = Turns(slots=1)
    with turns.turn(wait=0):
        with pytest.raises(ServiceUnavailable) as refused:
            with turns.turn(wait=0.01):
                pytest.fail("ran without a slot")
        assert refused.value.code == "server_busy"
        assert refused.value.details["retry_after"] == RETRY_AFTER_SECONDS
        assert turns.waiting == 0
    with turns.turn(wait=0):  # the refused waiter took no slot with it
        pass


@pytest.fixture
def one_slot_app(instance, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("OKR_WORKBOOK_SLOTS", "1")
    monkeypatch.setenv("OKR_WORKBOOK_WAIT", "1")
    from addin import create_app

    return create_app({"TESTING": True})


def test_a_busy_worker_answers_503_with_retry_after_and_stores_nothing(one_slot_app, workbook):
    client = one_slot_app.test_client()
    turns: Turns = one_slot_app.extensions["okr_workbook_turns"]
    with turns.turn(wait=0):  # another upload holds the worker's only slot past OKR_WORKBOOK_WAIT
        for path in ("/api/sync", "/api/lint", "/api/map"):
            busy = upload(client, path, workbook)
            assert busy.status_code == 503, path
            assert busy.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert busy.get_json()["error"]["code"] == "server_busy"
        assert client.get("/api/teams").get_json()["total"] == 0  # the refused sync wrote nothing
        assert client.get("/api/health").status_code == 200  # other requests do not wait for a turn
    stored = upload(client, "/api/sync", workbook)
    assert stored.status_code == 200, stored.get_json()
    assert client.get("/api/teams").get_json()["total"] > 0


def test_uploads_sent_at_once_to_a_one_slot_worker_all_get_their_answer(one_slot_app, workbook, monkeypatch):
    one_slot_app.extensions["okr_workbook_turns"].wait = 60
    statuses: list[int] = []

    def send() -> None:
        statuses.append(upload(one_slot_app.test_client(), "/api/lint", workbook).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200, 200, 200, 200]


@pytest.mark.parametrize(("name", "value"), [("OKR_WORKBOOK_SLOTS", "0"), ("OKR_WORKBOOK_WAIT", "soon")])
def test_a_bad_turn_setting_refuses_to_start_and_names_itself(instance, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    from addin import create_app

    with pytest.raises(ValueError, match=name):
        create_app({"TESTING": True})
