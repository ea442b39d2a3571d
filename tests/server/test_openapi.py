"""The published OpenAPI document states the statuses the server really sends: 400 for a request that does not fit
the schema (not FastAPI's default 422), 422 only where a rule beyond the schema is checked, 413 on every call with a
body, 429 with `Retry-After` on every rate-limited call."""

from __future__ import annotations

from fastapi.testclient import TestClient

ERROR = {"$ref": "#/components/schemas/ErrorResponse"}


def test_openapi_describes_the_real_statuses(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert set(paths) == {"/v1/health", "/v1/devices/register", "/v1/config", "/v1/push", "/v1/changes",
                          "/v1/redemptions/authorize", "/v1/member-codes", "/v1/audit/anchor",
                          "/v1/audit/key", "/v1/cards/reissue", "/v1/devices/token",
                          "/v1/members/{member_id}/purchases", "/v1/receipts", "/v1/warnings", "/v1/board"}  # fmt: skip
    statuses = {
        (method, path): set(operation["responses"])
        for path, item in paths.items()
        for method, operation in item.items()
    }
    assert statuses == {
        ("get", "/v1/health"): {"200", "413"},
        ("post", "/v1/devices/register"): {"200", "400", "403", "404", "413", "422", "429"},
        ("get", "/v1/config"): {"200", "401", "413", "429"},
        ("get", "/v1/warnings"): {"200", "401", "413", "429"},
        ("get", "/v1/board"): {"200", "401", "413", "429"},
        ("post", "/v1/push"): {"200", "400", "401", "409", "413", "422", "429"},
        ("get", "/v1/changes"): {"200", "400", "401", "410", "413", "429"},
        ("post", "/v1/redemptions/authorize"): {"200", "400", "401", "413", "422", "429"},
        ("post", "/v1/member-codes"): {"200", "400", "401", "413", "429"},
        ("post", "/v1/audit/anchor"): {"200", "400", "401", "409", "413", "429"},
        ("get", "/v1/audit/anchor"): {"200", "401", "413", "429"},
        ("post", "/v1/audit/key"): {"200", "401", "409", "413", "429"},
        ("post", "/v1/cards/reissue"): {"200", "400", "401", "403", "404", "413", "429"},
        ("post", "/v1/devices/token"): {"200", "401", "413", "429"},
        ("get", "/v1/members/{member_id}/purchases"): {"200", "400", "401", "404", "413", "429"},
        ("get", "/v1/receipts"): {"200", "400", "401", "413", "429"},
    }
    for path in paths.values():
        for operation in path.values():
            for status, response in operation["responses"].items():
                if status != "200":
                    assert response["content"]["application/json"]["schema"] == ERROR, (status, response)
                if status == "429":
                    assert response["headers"]["Retry-After"]["schema"]["type"] == "integer"
    changes_schema = paths["/v1/changes"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert changes_schema == {"$ref": "#/components/schemas/ChangesResponse"}
    assert "ErrorResponse" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
