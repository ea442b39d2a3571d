"""The till's local POS interface: an HTTP API on the loopback interface through which the shop's point-of-sale
system looks members up, quotes and commits sales, refunds them and hands the counter a sale to confirm. No Qt
here: the till's screens reach it through `posapi.pending.PendingSales`."""
