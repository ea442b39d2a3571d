"""The published OpenAPI document states the statuses the server really sends (400, not FastAPI's 422)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_openapi_describes_the_real_statuses(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert set(paths) == {"/v1/health", "/v1/devices/register", "/v1/config", "/v1/push", "/v1/changes",
                          "/v1/redemptions/authorize", "/v1/member-codes"}  # fmt: skip
    for path in paths.values():
        for operation in path.values():
            assert "422" not in operation["responses"]
    assert {"200", "400", "401", "409", "413"} <= set(paths["/v1/push"]["post"]["responses"])
    assert {"200", "400", "401", "410"} <= set(paths["/v1/changes"]["get"]["responses"])
    assert {"200", "400", "403", "404"} <= set(paths["/v1/devices/register"]["post"]["responses"])
    changes_schema = paths["/v1/changes"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert changes_schema == {"$ref": "#/components/schemas/ChangesResponse"}
    assert "ErrorResponse" in document["components"]["schemas"]
