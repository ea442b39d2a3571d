"""The till side of sync: wire schemas, the HTTP client and the sync engine (built by the sync issue)."""
