"""The benchmark's own plumbing: the placement of wrk's connections over gunicorn's workers and the
spec file handed to wrk (the load itself runs in `make bench`)."""

import pytest
from django.test import RequestFactory

from benchmarks.bench_urls import place
from benchmarks.run import to_lua, wrk_spec

RUN = "0123456789abcdef"


@pytest.fixture
def placement_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_PLACEMENT_DIR", str(tmp_path))
    return tmp_path


def _ask(slot: int, share: int = 1, force: bool = False) -> str:
    query = {"run": RUN, "slot": slot, "share": share, "force": int(force)}
    return place(RequestFactory().get("/bench/place", query)).content.decode()


def test_a_worker_takes_connections_up_to_its_share(placement_dir):
    # given a worker (this process) that took slot 1 of a run where each worker takes one
    assert _ask(1) == "placed"

    # then it sends slot 2 to another worker, and still answers for slot 1
    assert _ask(2) == "again"
    assert _ask(1) == "placed"


def test_a_forced_placement_is_taken_beyond_the_share(placement_dir):
    assert _ask(1) == "placed"

    assert _ask(2, force=True) == "placed"


def test_each_run_counts_its_own_connections(placement_dir):
    assert _ask(1) == "placed"
    other_run = {"run": "fedcba9876543210", "slot": 2, "share": 1, "force": 0}

    assert place(RequestFactory().get("/bench/place", other_run)).content == b"placed"


def test_malformed_placement_is_refused(placement_dir):
    response = place(RequestFactory().get("/bench/place", {"run": "../etc", "slot": 1, "share": 1}))

    assert response.status_code == 400


def test_the_fragment_spec_gives_each_shopper_its_cookies_token_and_two_quantities():
    shoppers = [{"cookies": "sessionid=s1; csrftoken=t1", "csrf": "t1", "line": 7, "qty": (3, 2)}]

    spec = wrk_spec("fragment", shoppers)

    assert spec["method"] == "POST" and spec["path"] == "/cart/update/"
    (shopper,) = spec["shoppers"]
    assert shopper["headers"]["Cookie"] == "sessionid=s1; csrftoken=t1"
    assert shopper["headers"]["X-CSRFToken"] == "t1"
    assert shopper["headers"]["HX-Request"] == "true"
    assert shopper["bodies"] == ["line=7&quantity=3", "line=7&quantity=2"]


def test_lua_literals_escape_quotes_and_refuse_anything_but_printable_ascii():
    assert to_lua({"a": ['x"y', 2]}) == '{["a"] = {"x\\"y", 2}}'
    with pytest.raises(ValueError):
        to_lua("line\nbreak")
