"""The chain's insight reaches the counter through a real till and server on 127.0.0.1: the refresh tags a member,
the till pulls the tags with the member, and the chain's rules document (tag names in both languages, suggested
actions) comes with the config; an edited document replaces it at the next sync, and a server that sends none
leaves the till's as it was."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import httpx

from loyalty.insight import DEFAULT_INSIGHT_RULES, Words
from server import admin
from server.refresh import refresh
from tests.integration.conftest import LiveServer, TillFactory


def test_tags_and_the_rules_that_name_them_reach_the_till(server: LiveServer, make_till: TillFactory) -> None:
    till = make_till("insight")
    cashier = till.login("C001")
    today = datetime.now(UTC) + timedelta(hours=8)  # the chain's calendar (Shanghai)
    soon = (today + timedelta(days=3)).date()
    birthday = date(1985, soon.month, min(soon.day, 28))
    member_id = till.till.members.enrol(
        cashier, phone="13500135000", name="孙八", birthday=birthday, consent_profile=True
    ).member.id
    assert till.sync().ok

    refresh(server.db)
    assert till.sync().ok
    member = till.till.members.get(cashier, member_id)
    assert {"birthday_soon", "new_member"} <= set(member.tags)
    insight = till.till.settings.current().insight
    assert insight == DEFAULT_INSIGHT_RULES

    renamed = replace(DEFAULT_INSIGHT_RULES.tags[0], name=Words("生日将至", "Birthday coming"))
    admin.set_insight_rules(
        server.db, replace(DEFAULT_INSIGHT_RULES, version=2, tags=(renamed, *DEFAULT_INSIGHT_RULES.tags[1:]))
    )
    assert till.sync().ok
    held = till.till.settings.current().insight
    assert held.version == 2 and held.tags[0].name == Words("生日将至", "Birthday coming")

    # A server from before issue 17 sends no insight rules: the till keeps the ones it holds
    registration = till.till.sync.registration()
    assert registration is not None
    answer = httpx.get(f"{server.url}/v1/config", headers={"Authorization": f"Bearer {registration.token}"})
    assert answer.status_code == 200
    older = {key: value for key, value in answer.json().items() if key != "insight"}
    till.till.sync.apply_config(older)
    assert till.till.settings.current().insight.version == 2
