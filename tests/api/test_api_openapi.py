"""The OpenAPI document says what the API really does: string error details, documented codes."""

from fastapi.testclient import TestClient

from stockpool.entrypoints.api.app import create_app


def test_docs_are_served_and_every_v1_operation_documents_its_errors(container):
    client = TestClient(create_app(container))
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["ErrorPublic"]["properties"]["detail"]["type"] == "string"
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            assert {"401", "403", "422"} <= set(operation["responses"]), (method, path)


def test_code_fields_document_the_pattern_the_domain_enforces(container):
    spec = TestClient(create_app(container)).get("/openapi.json").json()
    sku = spec["components"]["schemas"]["MoveCreate"]["properties"]["sku"]
    assert sku["pattern"] == "^[A-Za-z0-9][A-Za-z0-9._:+#-]*$" and sku["maxLength"] == 100


def test_empty_query_filters_mean_no_filter(api):
    api.receive("TEE-M-BLK", "DAL-1", 2)
    everything = api.get("/v1/ledger").json()
    assert api.get("/v1/ledger", sku="", location="", reference="", cursor="").json() == everything
    assert len(api.get("/v1/skus", q="", cursor="").json()["items"]) == 2
