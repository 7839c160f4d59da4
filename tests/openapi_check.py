"""Check real API responses against the OpenAPI document that the app serves.

    spec = client.get("/api/v1/openapi.json").get_json()
    assert_matches_openapi(spec, "get", "/channels/{channel_id}", 200, response.get_json())

Schemas are validated as JSON Schema 2020-12 (the dialect of OpenAPI 3.1), with formats
such as date-time checked and every `$ref` resolved inside the document.
"""

from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_DOCUMENT_URI = "urn:bullseye:openapi"


def _node(spec: dict[str, Any], parts: list[str]) -> Any:
    target: Any = spec
    for part in parts:
        target = target[part]
    return target


def _pointer(parts: list[str]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _ref_parts(ref: str) -> list[str]:
    assert ref.startswith("#/"), f"only local references are supported, not {ref}"
    return [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]


def response_schema_location(
    spec: dict[str, Any], method: str, path_template: str, status: int
) -> list[str]:
    """Return where in `spec` the JSON body schema of one documented response lives."""
    assert path_template in spec["paths"], f"{path_template} is not documented"
    operation = spec["paths"][path_template].get(method.lower())
    assert operation is not None, f"{method.upper()} {path_template} is not documented"
    responses = operation["responses"]
    keys = (str(status), f"{str(status)[0]}XX", "default")
    key = next((k for k in keys if k in responses), None)
    assert key is not None, f"status {status} of {method.upper()} {path_template} is undocumented"
    parts = ["paths", path_template, method.lower(), "responses", key]
    while "$ref" in _node(spec, parts):
        parts = _ref_parts(_node(spec, parts)["$ref"])
    content = _node(spec, parts).get("content", {})
    assert "application/json" in content, f"{status} of {path_template} documents no JSON body"
    return [*parts, "content", "application/json", "schema"]


def schema_errors(spec: dict[str, Any], location: list[str], body: Any) -> list[str]:
    """Return the messages of every way `body` breaks the schema at `location` in `spec`."""
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_DOCUMENT_URI, resource)
    validator = Draft202012Validator(
        {"$ref": f"{_DOCUMENT_URI}#{_pointer(location)}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [f"at {list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]


def assert_matches_openapi(
    spec: dict[str, Any], method: str, path_template: str, status: int, body: Any
) -> None:
    """Assert that `body` is what `spec` documents for `method path_template` with `status`."""
    location = response_schema_location(spec, method, path_template, status)
    errors = schema_errors(spec, location, body)
    assert not errors, f"{method.upper()} {path_template} {status}: " + "; ".join(errors)


def assert_matches_schema(spec: dict[str, Any], name: str, body: Any) -> None:
    """Assert that `body` follows the component schema `name` of `spec`."""
    errors = schema_errors(spec, ["components", "schemas", name], body)
    assert not errors, f"{name}: " + "; ".join(errors)
