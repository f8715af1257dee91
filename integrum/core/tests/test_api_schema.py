"""The OpenAPI schema and its Swagger UI: complete, valid, documented errors, and no CDN."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

COLLECTIONS = [
    "organisations",
    "sites",
    "memberships",
    "changes",
    "standards",
    "clauses",
    "correspondences",
    "actions",
    "assessments",
    "assessment-items",
]


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]


def test_it_lists_every_collection(schema):
    for name in COLLECTIONS:
        assert f"/api/v1/{name}/" in schema["paths"]
        assert f"/api/v1/{name}/{{id}}/" in schema["paths"]
    assert "/api/v1/actions/{id}/transition/" in schema["paths"]
    assert "/api/v1/actions/reassign/" in schema["paths"]
    assert "/api/v1/assessment-items/{id}/create-action/" in schema["paths"]


def test_it_documents_the_error_responses_of_every_operation(schema):
    error = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in operations(schema):
        expected = {"401", "403"}
        if "{id}" in path:
            expected.add("404")
        if method != "get" or "{id}" not in path:
            expected.add("400")
        for status in expected:
            response = operation["responses"].get(status)
            assert response is not None, f"{method.upper()} {path} does not document {status}"
            assert response["content"]["application/json"]["schema"] == error
    assert set(schema["components"]["schemas"]["ErrorDetail"]["required"]) == {
        "status",
        "code",
        "message",
        "fields",
    }


def test_it_documents_the_stale_edit_conflict_and_the_required_version(schema):
    patch = schema["paths"]["/api/v1/actions/{id}/"]["patch"]
    assert "409" in patch["responses"]
    body = schema["components"]["schemas"]["PatchedActionUpdateRequest"]
    assert body["required"] == ["version"]


def test_it_documents_validated_paging_and_the_shared_filters(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/actions/"]["get"]["parameters"]}
    assert parameters["page_size"]["schema"]["maximum"] == 200
    assert parameters["page"]["schema"]["minimum"] == 1
    assert {"organisation", "status", "owner", "site", "overdue", "q"} <= set(parameters)


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_the_swagger_ui_uses_only_local_assets(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    external = [url for url in re.findall(r"https?://[^\s\"'<>]+", html) if "//testserver" not in url]
    assert external == []
    assets = re.findall(r"(?:src|href)=\"([^\"]+)\"", html)
    assert any("swagger-ui" in asset for asset in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
