"""Demo data for the central server: two stores, the README's demo staff, and N members with a believable 18 months
of shopping, so a till registered against the server has something real to sync, show and segment.

What `generate_demo` makes:

- stores `S001` 旗舰店 and `S002` 滨江店 (when missing);
- staff (when missing; an existing code keeps its PIN): `M001` 王店长 manager PIN 2468, chain-wide, and at
  `S001` `C001` 李收银 cashier PIN 1357, `G001` 张导购 guide PIN 8642 (the same codes and PINs as the till's
  tests; only managers can be chain-wide, `server.staff_scope`);
- `members` members: realistic Chinese names and valid, unique mobiles (`server.fakes`), birthdays, genders,
  consent flags, a home store, and a purchase history: `earn` ledger entries over the last 18 months whose points
  follow the server's current rules (tier multiplier as of each purchase, birthday month, own-bag bonus), with
  some `redeem` entries against the bill within the rules' limits. Spending habits are drawn per member so the
  members spread over every tier (普通/银卡/金卡/白金) and every RFM segment (high value loyal, potential, dormant,
  new); preferences (categories, sizes, colours, styles, notes) for members who consented to a profile, and tags in
  three layers (basic, scene, predicted).
- Purchase lines for every earn entry (unless `lines=False` / `--no-lines`): 5-20 lines of the chain's catalogue
  (`catalogue.PRODUCTS`: 生鲜, 冷冻, 母婴, 美妆, 服饰, 家居日用, 零食饮料, 粮油调味, 乳品烘焙, with SKUs, names and
  prices; weighed goods in grams), adding up to the purchase exactly, leaning by who the member is (a young mother
  buys 母婴, a student snacks, an older member cooks, a big spender dresses; a favourite of their own), drawn from a
  stream seeded by the member's id so the members themselves stay what they were. The members' `top_categories`
  (12-month spend, for those who consented to a profile) come from those lines, as the push would compute them, and
  their "from purchases" category preferences say the same.
- Each member's `balance` is the sum of its ledger; `spend_12m_cents`, `visits_90d` and `last_visit_at` are
  computed in Python from the generated history, and `tier` and `segment` from them by the server's own row builder
  (`server.members.new_member_row`, as for an enrolment or an import).

Speed and memory: members are generated and inserted in chunks (10,000 by default), each chunk one
`ServerDatabase.write()` transaction with executemany inserts and versions / card serials reserved as a block;
at most two generated chunks wait at any time, so memory does not grow with N. With more than one chunk and more
than one CPU, a forked worker process generates while this process writes (the data are the same either way).
On PostgreSQL the rows go through Core executemany; on SQLite the worker also encodes them to SQLite's storage
form (`server.bulk`'s converters: the formats SQLAlchemy itself binds) and the writer runs the driver's executemany,
because Core's per-row parameter processing was half the writer's time. Cyclic garbage collection is paused while
generating (the rows make no cycles; collections walking the growing batch cost a third of the time).
Measured on a 2-vCPU VM: 100,000 members (~470,000 ledger entries) in about 30 s without purchase lines; the lines
(~11 a purchase) make the build about 2.5 times as long (docs/performance.md "Purchase lines").

Determinism and running twice: the same `seed` on an empty database gives the same members (times are relative to
`now`, which callers may fix). Running demo again *adds* `members` more: the random stream is seeded with the seed
and the number of members already on the server, and every chunk's phones are checked against the database, a
number already taken (an earlier run, an import, an enrolment) being replaced by a number from a spare stream, so
phones stay unique.

One job a module, each saying which process runs it: `catalogue` (stores, staff, the shape of the member base and
what guides record), `shopping` (the simulator: a member and their history, a chunk's batch of rows), `encoder`
(rows in SQLite's storage form, by `server.bulk`'s converters), `pipeline` (generating here or in a forked worker
process), `loader` (`generate_demo`: stores and staff, then each batch written under the write lock).
"""

from __future__ import annotations

from server.demo.catalogue import DEMO_STAFF, DEMO_STORES
from server.demo.loader import DemoReport, generate_demo

__all__ = ["DEMO_STAFF", "DEMO_STORES", "DemoReport", "generate_demo"]
