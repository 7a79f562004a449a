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

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "graph" / "Calendar.yml"
PREFIX = "#/components/schemas/"


@functools.cache
def components() -> dict[str, Any]:
    """The spec's component schemas (loaded once per test session: the file is 800 kB)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open("rb") as fh:
        spec = yaml.load(fh, Loader=loader)  # noqa: S506 - a safe loader
    return spec["components"]["schemas"]


@functools.cache
def schema_for(name: str) -> dict[str, Any]:
    """A self-contained JSON Schema (draft 2020-12) for ``microsoft.graph.<name>``."""
    defs: dict[str, Any] = {}
    root = _ref(f"microsoft.graph.{name}", defs)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root, "$defs": defs}


def strip_annotations(value: Any) -> Any:
    """``value`` without OData annotation keys (``@odata.type``, ``x@odata.bind``)."""
    if isinstance(value, dict):
        return {k: strip_annotations(v) for k, v in value.items() if "@" not in k}
    if isinstance(value, list):
        return [strip_annotations(v) for v in value]
    return value


def _ref(name: str, defs: dict[str, Any]) -> dict[str, Any]:
    if name not in defs:
        defs[name] = {}  # placeholder: recursion (event.instances -> event)
        defs[name] = _convert(components()[name], defs)
    return {"$ref": f"#/$defs/{name}"}


def _convert(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        out = _ref(schema["$ref"].removeprefix(PREFIX), defs)
        return {"anyOf": [out, {"type": "null"}]} if schema.get("nullable") else out
    if "allOf" in schema:
        props, required = _flatten(schema, set())
        out = {"type": "object", "additionalProperties": False,
               "properties": {k: _convert(v, defs) for k, v in props.items()}}
        if required:
            out["required"] = sorted(required)
        return _nullable(out, schema)
    if "anyOf" in schema or "oneOf" in schema:
        key = "anyOf" if "anyOf" in schema else "oneOf"
        options = [_convert(s, defs) for s in schema[key]]
        if schema.get("nullable"):
            options.append({"type": "null"})
        return {"anyOf": options}
    out: dict[str, Any] = {}
    for k in ("type", "pattern", "minimum", "maximum", "maxLength", "minLength", "enum"):
        if k in schema:
            out[k] = schema[k]
    if "items" in schema:
        out["items"] = _convert(schema["items"], defs)
    if schema.get("type") == "object" or "properties" in schema:
        out["type"] = "object"
        out["properties"] = {k: _convert(v, defs) for k, v in schema.get("properties", {}).items()}
        out["additionalProperties"] = False
    return _nullable(out, schema)


def _flatten(schema: dict[str, Any], seen: set[str]) -> tuple[dict[str, Any], set[str]]:
    props: dict[str, Any] = {}
    required: set[str] = set()
    parts = schema.get("allOf", [schema])
    for part in parts:
        if "$ref" in part:
            name = part["$ref"].removeprefix(PREFIX)
            if name in seen:
                continue
            p, r = _flatten(components()[name], seen | {name})
        elif "allOf" in part and part is not schema:
            p, r = _flatten(part, seen)
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
