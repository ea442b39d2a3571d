"""A command-line POS that drives the till's local POS interface over HTTP (`main.py pos-sim`): a whole sale with
lines for a member found by phone or member code (quote, then commit with points), a sale without a member, a
partial refund, a return of another store's sale; or (`--pending`) a sale handed to the counter to confirm, polled
until the cashier does. It prints each step's answer; exit code 0 when every step was answered as expected."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

PRODUCE: list[dict[str, Any]] = [
    {"sku": "6901234567892", "name": "苹果", "category": "生鲜", "quantity": "1.250", "amount_cents": 1_875},
    {"sku": "6901234567908", "name": "牛奶 1L", "category": "乳品", "quantity": 2, "amount_cents": 2_580},
    {"sku": "6901234567915", "name": "洗衣液", "category": "日化", "quantity": 1, "amount_cents": 4_990},
    {"sku": "6901234567922", "name": "速冻饺子", "category": "冷冻", "quantity": 3, "amount_cents": 5_370},
    {"sku": "6901234567939", "name": "大米 5kg", "category": "粮油", "quantity": 1, "amount_cents": 3_990},
]


@dataclass(frozen=True, slots=True)
class SimOptions:
    url: str
    secret: str
    phone: str | None = None
    member_code: str | None = None
    other_store: str | None = None
    other_receipt: str | None = None
    pending: bool = False
    pending_wait: float = 120.0


class SimFailed(Exception):
    """A step was not answered as the simulator expected."""


def _lines() -> list[dict[str, Any]]:
    return [{"line_no": number, **item} for number, item in enumerate(PRODUCE, start=1)]


def _total(lines: list[dict[str, Any]]) -> int:
    return sum(int(line["amount_cents"]) for line in lines)


class PosSimulator:
    def __init__(self, options: SimOptions, out: Callable[[str], None] = print) -> None:
        self._options = options
        self._out = out
        self._http = httpx.Client(
            base_url=options.url, headers={"Authorization": f"Bearer {options.secret}"}, timeout=30
        )
        self._prefix = datetime.now(UTC).strftime("SIM%y%m%d%H%M%S")

    def close(self) -> None:
        self._http.close()

    def _call(self, step: str, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            answer = self._http.request(method, path, json=body)
        except httpx.TransportError as error:
            raise SimFailed(
                f"{step}: the till's POS interface at {self._options.url} does not answer ({error})"
            ) from None
        shown = json.dumps(answer.json(), ensure_ascii=False) if answer.content else ""
        self._out(f"{step}: HTTP {answer.status_code} {shown}")
        if answer.status_code >= 400:
            raise SimFailed(f"{step}: refused ({answer.status_code})")
        return answer.json() if answer.content else {}

    def run(self) -> None:
        if self._options.pending:
            self.pending()
        else:
            self.whole_day()

    def _member_ref(self) -> dict[str, str]:
        """The member named (--member-code, --phone), else the first one a phone tail from 1000 up finds."""
        if self._options.member_code is not None:
            return {"member_code": self._options.member_code}
        if self._options.phone is not None:
            return {"phone": self._options.phone}
        for tail in range(1000, 1200):
            found = self._http.post("/pos/v1/lookup", json={"tail": str(tail)})
            if found.status_code == 200 and found.json()["candidates"]:
                self._call(f"lookup by tail {tail}", "POST", "/pos/v1/lookup", {"tail": str(tail)})
                return {"member_id": found.json()["candidates"][0]["member_id"]}
        raise SimFailed("no member found: name one with --phone or --member-code")

    def whole_day(self) -> None:
        member = self._member_ref()
        if "member_id" not in member:
            found = self._call("lookup", "POST", "/pos/v1/lookup", member)
            if not found["candidates"]:
                raise SimFailed("lookup: no member found")
        lines = _lines()
        receipt = f"{self._prefix}-1"
        sale: dict[str, Any] = {"receipt_no": receipt, "total_cents": _total(lines) - 500, "lines": lines,
                                "member": member}  # fmt: skip
        quote = self._call("quote", "POST", "/pos/v1/quotes", sale)
        step = quote["limits"]["redeem_step_points"]
        usable = min(quote["points_usable"], 500)
        sale["points_to_redeem"] = usable - usable % step if usable >= quote["limits"]["redeem_min_points"] else 0
        self._call("sale for the member (a ¥5 whole-bill discount, points redeemed)", "POST", "/pos/v1/sales", sale)
        self._call("the same sale again (a POS retry: the same answer)", "POST", "/pos/v1/sales", sale)
        plain = {"receipt_no": f"{self._prefix}-2", "total_cents": _total(lines[:2]), "lines": lines[:2]}
        self._call("sale without a member", "POST", "/pos/v1/sales", plain)
        refund = {"refund_no": f"{self._prefix}-R1", "receipt_no": receipt,
                  "lines": [{"line_no": 2, "quantity": 1}, {"line_no": 4, "quantity": "1"}]}  # fmt: skip
        self._call("partial refund (1 milk, 1 dumplings)", "POST", "/pos/v1/refunds", refund)
        if self._options.other_store and self._options.other_receipt:
            back = {"refund_no": f"{self._prefix}-R2", "receipt_no": self._options.other_receipt,
                    "store_code": self._options.other_store, "amount_cents": 1_000}  # fmt: skip
            answer = self._call("return of another store's sale (¥10)", "POST", "/pos/v1/refunds", back)
            if answer["status"] == "needs_manager":
                self._out("  the server cannot be asked: take the return at the till (退货, with a manager)")
        else:
            self._out("return of another store's sale: skipped (give --other-store and --other-receipt)")

    def pending(self) -> None:
        lines = _lines()[:3]
        receipt = f"{self._prefix}-P"
        sale = {"receipt_no": receipt, "total_cents": _total(lines), "lines": lines}
        self._call("pending sale for the counter", "POST", "/pos/v1/pending", sale)
        self._out("waiting for the cashier: scan the member at the till and confirm (Ctrl-C to stop)")
        deadline = time.monotonic() + self._options.pending_wait
        while time.monotonic() < deadline:
            answer = self._http.get(f"/pos/v1/pending/{receipt}").json()
            if answer["status"] != "waiting":
                self._out(f"pending: {json.dumps(answer, ensure_ascii=False)}")
                if answer["status"] != "done":
                    raise SimFailed("pending: the sale was cancelled or replaced")
                return
            time.sleep(0.5)
        self._http.delete(f"/pos/v1/pending/{receipt}")
        raise SimFailed("pending: nobody confirmed it in time (cancelled)")


def run_simulator(options: SimOptions, out: Callable[[str], None] = print) -> int:
    simulator = PosSimulator(options, out)
    try:
        simulator.run()
    except SimFailed as failed:
        out(f"error: {failed}")
        return 1
    finally:
        simulator.close()
    return 0
