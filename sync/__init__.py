"""The till side of sync: the HTTP client, the sync engine, registration and online checks (the wire schemas they
speak are `protocol.wire`)."""
