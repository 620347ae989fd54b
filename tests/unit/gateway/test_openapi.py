"""The OpenAPI document and the route table agree: every route is documented, every
documented operation is served by the route it names, and the document is valid 3.1."""
from __future__ import annotations

import re

from werkzeug.test import EnvironBuilder

from services.gateway.routes import ROUTES
from services.gateway.openapi import build_document, render_docs

SAMPLE = {"int": "7", "str": "region-5", "token": "abc"}


def concrete(path: str, params: dict[str, dict]) -> str:
    def value(match):
        schema = params[match[1]]["schema"]
        return SAMPLE["int"] if schema.get("type") == "integer" else SAMPLE["str"]
    return re.sub(r"\{([a-z_]+)\}", value, path)


def test_every_route_is_documented_and_every_documented_operation_is_routed():
    document = build_document(ROUTES)
    url_map = ROUTES.url_map()
    documented = set()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"}
            assert set(params) == set(re.findall(r"\{([a-z_]+)\}", path)), path
            environ = EnvironBuilder(path=concrete(path, params), method=method.upper()).get_environ()
            route, _ = url_map.bind_to_environ(environ).match()
            assert route.operation_id == operation["operationId"], (method, path)
            documented.add((method.upper(), path))
    served = {(r.method, r.openapi_path) for r in ROUTES.routes}
    assert served == documented


def test_document_is_openapi_3_1_with_unique_operation_ids_and_error_shape():
    document = build_document(ROUTES)
    assert document["openapi"] == "3.1.0"
    ids = [op["operationId"] for methods in document["paths"].values() for op in methods.values()]
    assert len(ids) == len(set(ids)) == len(ROUTES.routes)
    for methods in document["paths"].values():
        for operation in methods.values():
            assert operation["responses"], operation["operationId"]
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"}
            if operation["x-access"] != "public":
                assert "401" in operation["responses"] and "403" in operation["responses"]
                assert operation["security"]


def test_document_references_resolve():
    document = build_document(ROUTES)
    text = repr(document)
    for name in re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", text):
        assert name in document["components"]["schemas"], name


def test_openapi_document_validates_against_the_openapi_3_1_schema():
    from schemathesis.specs.openapi import definitions  # shipped JSON Schemas of the OpenAPI versions
    import jsonschema_rs

    validator = jsonschema_rs.validator_for(definitions.OPENAPI_31)
    errors = [str(e) for e in validator.iter_errors(build_document(ROUTES))]
    assert errors == []


def test_docs_page_lists_every_operation_without_remote_assets():
    html = render_docs(build_document(ROUTES))
    for route in ROUTES.routes:
        assert f'id="{route.operation_id}"' in html
    assert "http://" not in html.replace("http://127", "") and "https://" not in html
    assert "<script" not in html
