"""What crosses between a till and the central server, defined once: the shared vocabulary (`vocabulary`: entry
kinds and their rules, preference kinds, pushed item types, statuses, reason codes) and the wire schemas (`wire`,
pydantic). The till's store writes its outbox bodies with these schemas, the till's sync sends them, and the server
checks them again.

A bottom layer: it imports only pydantic and nothing of ours, no database, network or Qt library
(`tests/test_layers.py`).
"""
