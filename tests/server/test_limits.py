"""`server.limits`: the token buckets, the in-flight cap and the wrong-code lockouts, on a clock moved by hand; and
the `serve` options that change them."""

from __future__ import annotations

import argparse

import pytest

from server.cli import _parser, serve_limits
from server.limits import BODY_CAPS, Limiter, Limits, Lockout, Rate, Route, address_key, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _limiter(**changes: object) -> tuple[Limiter, Clock]:
    clock = Clock()
    limits = Limits(**changes)  # type: ignore[arg-type]
    return Limiter(limits, clock=clock), clock


def test_a_bucket_lets_its_burst_through_then_its_rate() -> None:
    limiter, clock = _limiter(rates={Route.PUSH: Rate(2, 3)})
    assert [limiter.take(Route.PUSH, "till-1") for _ in range(3)] == [0, 0, 0]
    assert limiter.take(Route.PUSH, "till-1") == pytest.approx(0.5)  # one token comes every half second
    assert limiter.take(Route.PUSH, "till-2") == 0  # each device has its own bucket
    clock.now += 0.5
    assert limiter.take(Route.PUSH, "till-1") == 0
    assert limiter.take(Route.PUSH, "till-1") == pytest.approx(0.5)
    clock.now += 60  # refills to the burst, not beyond
    assert [limiter.take(Route.PUSH, "till-1") for _ in range(4)][-1] > 0


def test_a_refused_call_takes_nothing() -> None:
    limiter, clock = _limiter(rates={Route.CHANGES: Rate(1, 1)})
    assert limiter.take(Route.CHANGES, "d") == 0
    for _ in range(10):
        assert limiter.take(Route.CHANGES, "d") > 0
    clock.now += 1
    assert limiter.take(Route.CHANGES, "d") == 0


def test_a_call_without_a_rate_is_never_limited() -> None:
    limiter, _clock = _limiter(rates={Route.PUSH: None})
    assert all(limiter.take(Route.PUSH, "d") == 0 for _ in range(1000))
    assert all(Limiter(Limits.off()).take(route, "d") == 0 for route in Route for _ in range(100))


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    assert [retry_after(0.01), retry_after(1.0), retry_after(1.2), retry_after(899.5)] == [1, 1, 2, 900]


def test_requests_in_flight_are_capped_per_device() -> None:
    limiter, _clock = _limiter(in_flight=2)
    assert limiter.enter("a") and limiter.enter("a")
    assert not limiter.enter("a")
    assert limiter.enter("b")
    limiter.leave("a")
    assert limiter.enter("a")
    assert Limiter(Limits.off()).enter("a")


def test_wrong_codes_lock_an_address_out_then_the_lockout_ends() -> None:
    limiter, clock = _limiter(address_lockout=Lockout(3, 15), store_lockout=None)
    assert not limiter.wrong_code("10.0.0.1", "S001")
    assert not limiter.wrong_code("10.0.0.1", "S001")
    assert limiter.locked_out("10.0.0.1") == 0
    assert limiter.wrong_code("10.0.0.1", "S001")  # the third within 15 minutes
    assert limiter.locked_out("10.0.0.1") == pytest.approx(900)
    assert limiter.locked_out("10.0.0.2") == 0
    clock.now += 899
    assert limiter.locked_out("10.0.0.1") == pytest.approx(1)
    clock.now += 1
    assert limiter.locked_out("10.0.0.1") == 0
    assert not limiter.wrong_code("10.0.0.1", None)  # counting starts again


def test_wrong_codes_spread_out_in_time_do_not_lock() -> None:
    limiter, clock = _limiter(address_lockout=Lockout(3, 15), store_lockout=None)
    for _ in range(10):
        assert not limiter.wrong_code("10.0.0.1", None)
        clock.now += 451  # two failures in any 15 minutes at most
    assert limiter.locked_out("10.0.0.1") == 0


def test_wrong_codes_for_one_store_from_many_addresses_lock_the_store() -> None:
    limiter, _clock = _limiter(address_lockout=Lockout(3, 15), store_lockout=Lockout(5, 10))
    for n in range(5):
        limiter.wrong_code(f"10.0.0.{n}", "S001")
    assert limiter.locked_out("10.0.0.99", "S001") == pytest.approx(600)
    assert limiter.locked_out("10.0.0.99", "S002") == 0
    assert limiter.locked_out("10.0.0.99") == 0
    limiter.wrong_code("10.0.1.1", None)  # an unknown store counts against the address only
    assert limiter.locked_out("10.0.1.1", "S002") == 0


def test_the_tables_forget_the_least_recently_used_beyond_their_size() -> None:
    limiter, _clock = _limiter(rates={Route.REGISTER: Rate(1, 1)}, max_keys=2)
    assert limiter.take(Route.REGISTER, "a") == 0 and limiter.take(Route.REGISTER, "b") == 0
    assert limiter.take(Route.REGISTER, "a") > 0  # `a` is now the most recently used
    assert limiter.take(Route.REGISTER, "c") == 0  # `b` is forgotten
    assert limiter.take(Route.REGISTER, "a") > 0
    assert limiter.take(Route.REGISTER, "b") == 0  # a fresh bucket


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("testclient", "testclient"),
    ],
)
def test_an_address_is_counted_by_host_or_ipv6_64(host: str, key: str) -> None:
    assert address_key((host, 1234)) == key
    assert address_key(None) == "-"


def test_rates_and_lockouts_refuse_nonsense() -> None:
    for bad in ((0, 1), (1, 0), (float("nan"), 1), (float("inf"), 1), (-1, 5)):
        with pytest.raises(ValueError):
            Rate(*bad)
    with pytest.raises(ValueError):
        Lockout(0, 15)
    with pytest.raises(ValueError):
        Lockout(3, 0)


def test_every_call_has_a_body_cap_and_a_rate() -> None:
    assert set(BODY_CAPS) == set(Route) == set(Limits().rates)
    assert BODY_CAPS[Route.PUSH] == 1024 * 1024
    assert BODY_CAPS[Route.MEMBER_CODES] == 8 * 1024


def _serve_args(*options: str) -> argparse.Namespace:
    return _parser().parse_args(["serve", *options])


def test_serve_options_change_the_limits() -> None:
    assert serve_limits(_serve_args()) == Limits()
    limits = serve_limits(
        _serve_args(
            "--rate-limit", "push=50:400", "--rate-limit", "register=off", "--in-flight", "16",
            "--enrolment-lockout", "5:30", "--store-enrolment-lockout", "off",
        )
    )  # fmt: skip
    assert limits.rates[Route.PUSH] == Rate(50, 400)
    assert limits.rates[Route.REGISTER] is None
    assert limits.rates[Route.CHANGES] == Limits().rates[Route.CHANGES]
    assert (limits.in_flight, limits.address_lockout, limits.store_lockout) == (16, Lockout(5, 30), None)
    assert serve_limits(_serve_args("--no-rate-limits")) == Limits.off()


@pytest.mark.parametrize(
    "options",
    [
        ["--rate-limit", "pull=1:1"],
        ["--rate-limit", "push"],
        ["--rate-limit", "push=fast"],
        ["--rate-limit", "push=0:10"],
        ["--in-flight", "0"],
        ["--enrolment-lockout", "ten"],
    ],
)
def test_serve_options_refuse_nonsense(options: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        _serve_args(*options)
    assert exit_.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_real_tills_first_sync_and_push_never_meet_the_default_limits() -> None:
    """A first sync of 1,000,000 members is 200 pages of 5,000 (measured at 1.7-3 pages a second) and a push of 20,000
    entries 40 batches (measured at up to 19 a second): even three times as fast, or all at once, nothing waits."""
    limiter, clock = _limiter()
    assert all(limiter.take(Route.PUSH, "till") == 0 for _ in range(40))  # the whole push at once
    assert all(limiter.take(Route.CHANGES, "till") == 0 for _ in range(200))  # every page at once
    clock.now += 60
    for _ in range(201):
        clock.now += 0.1  # 10 pages a second
        assert limiter.take(Route.CHANGES, "till") == 0
    for _ in range(400):  # 200,000 entries at 20 batches a second
        clock.now += 0.05
        assert limiter.take(Route.PUSH, "till") == 0
    assert limiter.take(Route.CONFIG, "till") == 0 and limiter.take(Route.AUTHORIZE, "till") == 0
