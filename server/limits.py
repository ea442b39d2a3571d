"""How much the member server takes from one caller: the body cap of each route (`BODY_CAPS`), the rates of the
token buckets per device and per client address, the cap on one device's requests in flight, and the lockout after
repeated wrong enrolment codes (per address, and per store). `Limits` holds the figures (defaults below, changed by
`python -m server serve --rate-limit ...`); `Limiter` keeps the buckets and counts. docs/operations.md ("Limits")
lists them and why they are what they are.

Thread: `Limiter` is called on the event loop by `server.guard` (before a request's body is read) and from the API's
worker threads by the register handler (a wrong code); one lock guards its tables. Its state lives in this process
only: several `serve` processes behind a load balancer each keep their own (docs/operations.md).
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Final

from protocol.limits import MAX_MEMBER_CODES, MAX_PUSH_ITEMS

KIB: Final = 1024

#: The longest pushed item (envelope and body) a till writes, with room to spare. The till stores bodies as JSON
#: with escapes (a Chinese character is 6 bytes, `\u597d`): its largest item, a preference note of 200 Chinese
#: characters, is 1,531 bytes (`tests/server/test_guard.py` builds it). A note of 200 emoji (12 bytes each) is
#: 2,731: a batch of 500 of those is over the cap, is answered 413 `batch_too_large`, and the till halves it.
MAX_ITEM_BYTES: Final = 2 * KIB


class Route(StrEnum):
    """The calls that have limits of their own."""

    PUSH = "push"
    CHANGES = "changes"
    CONFIG = "config"
    AUTHORIZE = "authorize"
    MEMBER_CODES = "member-codes"
    CARD_REISSUE = "card-reissue"
    REGISTER = "register"
    AUDIT = "audit"  # the audit anchor (sent and read) and the audit key
    TOKEN = "token"  # noqa: S105 (a route's name, not a password)
    PURCHASES = "purchases"  # a member's purchase history
    RECEIPTS = "receipts"  # another store's receipt, for a return at the counter
    WARNINGS = "warnings"  # the store's churn-warning list (需关注会员)
    BOARD = "board"  # the health board's figures (会员看板)


#: The largest body each call accepts, in bytes, sized from the protocol's own limits; a call without a body (GET)
#: accepts none. More is answered 413 before it is read (`Content-Length`) or as soon as the count passes the cap.
BODY_CAPS: Final[Mapping[Route, int]] = {
    # 500 items of at most 2 KiB, and the envelope (`after_seq`, `after_id`): 1 MiB
    Route.PUSH: MAX_PUSH_ITEMS * MAX_ITEM_BYTES + 24 * KIB,
    # 100 member UUIDs of 36 characters, quoted and separated (~4 KB): 8 KiB
    Route.MEMBER_CODES: MAX_MEMBER_CODES * 64 + 1792,
    # two ids of 36 characters and two numbers (~150 bytes; 6-byte escapes ~500): 4 KiB
    Route.AUTHORIZE: 4 * KIB,
    # a member id (36) and a staff code (32): ~100 bytes, ~500 all escaped
    Route.CARD_REISSUE: 4 * KIB,
    # a store code (32), a device name (64 characters) and a code (32): ~200 bytes, ~1.2 KB all escaped: 4 KiB
    Route.REGISTER: 4 * KIB,
    Route.CHANGES: 0,
    Route.CONFIG: 0,
    # an anchor: two seqs and two 64-digit hashes (~250 bytes; escaped ~1.5 KB): 2 KiB
    Route.AUDIT: 2 * KIB,
    Route.TOKEN: 0,
    Route.PURCHASES: 0,
    Route.RECEIPTS: 0,
    Route.WARNINGS: 0,
    Route.BOARD: 0,
}
#: Anything else (health, the OpenAPI document, unknown paths) reads no body; one declared above this is refused.
OTHER_BODY_CAP: Final = 4 * KIB


@dataclass(frozen=True, slots=True)
class Rate:
    """A token bucket: `burst` calls at once, then `per_second` on average."""

    per_second: float
    burst: int

    def __post_init__(self) -> None:
        if not (self.per_second > 0 and math.isfinite(self.per_second)) or self.burst < 1:
            raise ValueError("a rate is a positive number of calls a second and a burst of at least 1")

    def __str__(self) -> str:
        return f"{self.per_second:g}:{self.burst}"


@dataclass(frozen=True, slots=True)
class Lockout:
    """`failures` wrong enrolment codes within `minutes` lock the address (or store) out for `minutes`."""

    failures: int
    minutes: float

    def __post_init__(self) -> None:
        if self.failures < 1 or not (self.minutes > 0 and math.isfinite(self.minutes)):
            raise ValueError("a lockout is at least 1 failure and a positive number of minutes")

    def __str__(self) -> str:
        return f"{self.failures}:{self.minutes:g}"


def _default_rates() -> dict[Route, Rate | None]:
    return {
        # A first sync pushes 20,000 entries in 40 batches, two in flight: the whole of it fits in the burst, and
        # 20 batches a second (10,000 entries/s) is above what the server can apply (9,400/s at best measured).
        Route.PUSH: Rate(20, 100),
        # A first sync of 1,000,000 members is 200 pages of 5,000 (1.7 pages a second measured): all within the
        # burst, and 20 pages a second is 100,000 members/s.
        Route.CHANGES: Rate(20, 200),
        Route.CONFIG: Rate(1, 20),  # once per sync
        Route.TOKEN: Rate(1, 20),  # the token rotated once at the end of each sync
        Route.AUTHORIZE: Rate(2, 20),  # once per online redemption at the counter
        Route.MEMBER_CODES: Rate(2, 20),  # once per enrolment or card printed
        Route.AUDIT: Rate(1, 20),  # one anchor per sync (and a key once)
        # Once per member card opened online (a guide at the counter): a card every 2 s all day, a burst of 30.
        Route.PURCHASES: Rate(0.5, 30),
        Route.RECEIPTS: Rate(1, 20),  # a return of another store's sale at the counter
        Route.WARNINGS: Rate(1, 20),  # once per sync
        Route.BOARD: Rate(1, 20),  # once per sync
        Route.CARD_REISSUE: Rate(0.1, 5),  # a lost card now and then, with a manager beside the till
        # Per client address: a till registers once; a manager setting up a shop registers a few in a row.
        Route.REGISTER: Rate(0.2, 10),  # 12 a minute
    }


@dataclass(frozen=True, slots=True)
class Limits:
    """Every limit of a server process (None: that one is off)."""

    rates: Mapping[Route, Rate | None] = field(default_factory=_default_rates)
    #: Requests one device may have in flight at once: a sync keeps at most 3 (two pushes, one page), the counter
    #: an authorization or a member code beside it. Bounds how much of the worker pool one token can hold.
    in_flight: int | None = 8
    address_lockout: Lockout | None = Lockout(10, 15)
    #: Counts wrong codes for one store from every address: it stops guessing spread over many addresses, at the
    #: price that someone who knows a store code can keep that store from registering tills while they keep at it.
    store_lockout: Lockout | None = Lockout(50, 15)
    #: Entries kept per table (addresses, devices): the least recently used is forgotten beyond it.
    max_keys: int = 100_000

    @classmethod
    def off(cls) -> Limits:
        """No rate limits, in-flight cap or lockouts (the body caps stay: they are not a choice)."""
        return cls(rates=dict.fromkeys(Route), in_flight=None, address_lockout=None, store_lockout=None)

    def with_rate(self, route: Route, rate: Rate | None) -> Limits:
        return replace(self, rates={**self.rates, route: rate})


def address_key(client: tuple[str, int] | None) -> str:
    """Whom a per-address limit counts: an IPv4 address, or an IPv6 address's /64 (one site or host holds a whole
    /64, so counting single IPv6 addresses would give it billions of tries)."""
    if client is None:
        return "-"
    host = client[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class _Bucket:
    __slots__ = ("stamp", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp


class _Failures:
    __slots__ = ("locked_until", "times")

    def __init__(self) -> None:
        self.times: deque[float] = deque()
        self.locked_until = 0.0


def retry_after(seconds: float) -> int:
    """A wait as the `Retry-After` header states it: whole seconds, at least 1."""
    return max(1, math.ceil(seconds))


class Limiter:
    """The buckets, in-flight counts and wrong-code counts of one server process. Methods answer the seconds to
    wait (0: go on). Times are `clock()` seconds (monotonic by default)."""

    def __init__(self, limits: Limits | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[Route, OrderedDict[str, _Bucket]] = {route: OrderedDict() for route in Route}
        self._in_flight: dict[str, int] = {}
        self._address_failures: OrderedDict[str, _Failures] = OrderedDict()
        self._store_failures: OrderedDict[str, _Failures] = OrderedDict()

    # -- token buckets ------------------------------------------------------------------------------------------------

    def take(self, route: Route, key: str) -> float:
        """One call of `route` by `key` (a device id, a client address): 0 when it may go on, else the seconds until
        the bucket holds a token again (nothing is taken then)."""
        rate = self.limits.rates.get(route)
        if rate is None:
            return 0.0
        now = self._clock()
        with self._lock:
            buckets = self._buckets[route]
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = _Bucket(float(rate.burst), now)
                self._trim(buckets)
            else:
                buckets.move_to_end(key)
                bucket.tokens = min(float(rate.burst), bucket.tokens + (now - bucket.stamp) * rate.per_second)
                bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate.per_second

    # -- requests in flight -------------------------------------------------------------------------------------------

    def enter(self, device_id: str) -> bool:
        """A request of this device starts: False (and nothing counted) when it already has the most in flight."""
        cap = self.limits.in_flight
        with self._lock:
            count = self._in_flight.get(device_id, 0)
            if cap is not None and count >= cap:
                return False
            self._in_flight[device_id] = count + 1
            return True

    def leave(self, device_id: str) -> None:
        """A request `enter` let in has been answered."""
        with self._lock:
            count = self._in_flight.get(device_id, 0) - 1
            if count > 0:
                self._in_flight[device_id] = count
            else:
                self._in_flight.pop(device_id, None)

    # -- wrong enrolment codes ----------------------------------------------------------------------------------------

    def locked_out(self, address: str, store_code: str | None = None) -> float:
        """Seconds until this address (and, when given, this store) may try an enrolment code again; 0 when it may."""
        now = self._clock()
        with self._lock:
            wait = self._locked(self._address_failures, address, now)
            if store_code is not None:
                wait = max(wait, self._locked(self._store_failures, store_code, now))
            return wait

    def wrong_code(self, address: str, store_code: str | None) -> bool:
        """A wrong (unknown, expired, used, other store's) enrolment code, or an unknown store, from this address;
        `store_code` names an existing store the code was tried for. True when this one locked either out."""
        now = self._clock()
        with self._lock:
            locked = self._fail(self._address_failures, address, self.limits.address_lockout, now)
            if store_code is not None:
                locked = self._fail(self._store_failures, store_code, self.limits.store_lockout, now) or locked
            return locked

    @staticmethod
    def _locked(table: OrderedDict[str, _Failures], key: str, now: float) -> float:
        failures = table.get(key)
        return max(0.0, failures.locked_until - now) if failures is not None else 0.0

    def _fail(self, table: OrderedDict[str, _Failures], key: str, lockout: Lockout | None, now: float) -> bool:
        if lockout is None:
            return False
        failures = table.get(key)
        if failures is None:
            failures = table[key] = _Failures()
            self._trim(table)
        else:
            table.move_to_end(key)
        window = lockout.minutes * 60.0
        times = failures.times
        times.append(now)
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) < lockout.failures:
            return False
        failures.locked_until = now + window
        times.clear()
        return True

    def _trim(self, table: OrderedDict[str, _Bucket] | OrderedDict[str, _Failures]) -> None:
        while len(table) > self.limits.max_keys:
            table.popitem(last=False)
