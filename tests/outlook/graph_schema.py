"""JSON Schema for Graph request bodies, built from Microsoft's OpenAPI (Calendar.yml).

OpenAPI 3.0 schemas are not JSON Schema: ``nullable`` must become a "null" type, and
Graph's ``allOf`` inheritance (entity -> outlookItem -> event), each level with its own
``additionalProperties``, must be merged into one object -- validated branch by branch,
the ``entity`` level alone would reject every event property. Objects are closed
(``additionalProperties: false``) because Graph rejects a property it does not know;
OData annotations (``@odata.type``) are stripped before validation, as Graph reads them
as annotations, not properties.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

SPECS = Path(__file__).resolve().parents[1] / "data" / "spec" / "graph"  # vendored, see SOURCE.txt
SPEC = SPECS / "Calendar.yml"
ACTIONS = "Users.Actions.yml"  # createUploadSession, cancel: Graph's actions live in this slice
PREFIX = "#/components/schemas/"

# fileAttachment is not in these slices (only its base type ``attachment`` is, in
# Calendar.yml); its own properties, from the v1.0 fileAttachment resource page:
FILE_ATTACHMENT_OWN = {
    "contentBytes": {"type": "string", "format": "base64url", "nullable": True},
    "contentId": {"type": "string", "nullable": True},
    "contentLocation": {"type": "string", "nullable": True},
}


@functools.cache
def spec(file: str = "Calendar.yml") -> dict[str, Any]:
    """One spec slice, parsed (once per test session: the files are 0.8-1.4 MB)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (SPECS / file).open("rb") as fh:
        return yaml.load(fh, Loader=loader)  # noqa: S506 - a safe loader


def components(file: str = "Calendar.yml") -> dict[str, Any]:
    """The spec's component schemas."""
    return spec(file)["components"]["schemas"]


@functools.cache
def schema_for(name: str, file: str = "Calendar.yml") -> dict[str, Any]:
    """A self-contained JSON Schema (draft 2020-12) for ``microsoft.graph.<name>``."""
    defs: dict[str, Any] = {}
    root = _ref(f"microsoft.graph.{name}", defs, file)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root, "$defs": defs}


@functools.cache
def file_attachment_schema() -> dict[str, Any]:
    """``attachment`` (Calendar.yml) with fileAttachment's own properties added."""
    base = schema_for("attachment")
    root_name = base["$ref"].removeprefix("#/$defs/")
    defs = dict(base["$defs"])
    root = dict(defs[root_name])
    root["properties"] = {
        **root["properties"],
        **{k: _convert(v, defs, "Calendar.yml") for k, v in FILE_ATTACHMENT_OWN.items()},
    }
    defs["microsoft.graph.fileAttachment"] = root
    return {"$schema": base["$schema"], "$ref": "#/$defs/microsoft.graph.fileAttachment", "$defs": defs}


@functools.cache
def action_body_schema(path: str, file: str = ACTIONS) -> dict[str, Any]:
    """The JSON Schema of the request body of ``POST path`` (an action such as
    ``/users/{user-id}/events/{event-id}/microsoft.graph.cancel``)."""
    operation = spec(file)["paths"][path]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    defs: dict[str, Any] = {}
    root = _convert(body, defs, file)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root, "$defs": defs}


def strip_annotations(value: Any) -> Any:
    """``value`` without OData annotation keys (``@odata.type``, ``x@odata.bind``)."""
    if isinstance(value, dict):
        return {k: strip_annotations(v) for k, v in value.items() if "@" not in k}
    if isinstance(value, list):
        return [strip_annotations(v) for v in value]
    return value


def _ref(name: str, defs: dict[str, Any], file: str = "Calendar.yml") -> dict[str, Any]:
    if name not in defs:
        defs[name] = {}  # placeholder: recursion (event.instances -> event)
        defs[name] = _convert(components(file)[name], defs, file)
    return {"$ref": f"#/$defs/{name}"}


def _convert(schema: dict[str, Any], defs: dict[str, Any], file: str = "Calendar.yml") -> dict[str, Any]:
    if "$ref" in schema:
        out = _ref(schema["$ref"].removeprefix(PREFIX), defs, file)
        return {"anyOf": [out, {"type": "null"}]} if schema.get("nullable") else out
    if "allOf" in schema:
        props, required = _flatten(schema, set(), file)
        out = {
            "type": "object",
            "additionalProperties": False,
            "properties": {k: _convert(v, defs, file) for k, v in props.items()},
        }
        if required:
            out["required"] = sorted(required)
        return _nullable(out, schema)
    if "anyOf" in schema or "oneOf" in schema:
        key = "anyOf" if "anyOf" in schema else "oneOf"
        options = [_convert(s, defs, file) for s in schema[key]]
        if schema.get("nullable"):
            options.append({"type": "null"})
        return {"anyOf": options}
    out: dict[str, Any] = {}
    for k in ("type", "pattern", "minimum", "maximum", "maxLength", "minLength", "enum"):
        if k in schema:
            out[k] = schema[k]
    if "items" in schema:
        out["items"] = _convert(schema["items"], defs, file)
    if schema.get("type") == "object" or "properties" in schema:
        out["type"] = "object"
        out["properties"] = {k: _convert(v, defs, file) for k, v in schema.get("properties", {}).items()}
        out["additionalProperties"] = False
    return _nullable(out, schema)


def _flatten(schema: dict[str, Any], seen: set[str], file: str = "Calendar.yml") -> tuple[dict[str, Any], set[str]]:
    props: dict[str, Any] = {}
    required: set[str] = set()
    parts = schema.get("allOf", [schema])
    for part in parts:
        if "$ref" in part:
            name = part["$ref"].removeprefix(PREFIX)
            if name in seen:
                continue
            p, r = _flatten(components(file)[name], seen | {name}, file)
        elif "allOf" in part and part is not schema:
            p, r = _flatten(part, seen, file)
        else:
            p, r = dict(part.get("properties", {})), set(part.get("required", []))
        props.update(p)
        required |= r
    return props, required


def _nullable(out: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if not schema.get("nullable"):
        return out
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    elif "type" not in out:
        return {"anyOf": [out, {"type": "null"}]}
    return out
