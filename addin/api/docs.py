"""The published OpenAPI 3 description of the JSON API, and a health check.

Over 500 lines: one JSON document, kept whole so each route's entry sits beside the schemas it uses.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from addin.store import audit

bp = Blueprint("docs", __name__, url_prefix="/api")

_ERROR = {"$ref": "#/components/responses/Error"}
_XLSX_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["workbook"],
                "properties": {"workbook": {"type": "string", "format": "binary"}},
            }
        },
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        },
    },
}
_FEED = {
    "description": "The team's feed as stored",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feed"}}},
}
_QUARTER = {
    "name": "quarter",
    "in": "query",
    "required": False,
    "description": "Quarter label such as 2026-Q4; default: the workbook's Settings, else today's.",
    "schema": {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"},
}


def _json(schema_ref: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


OPENAPI = {
    "openapi": "3.0.3",
    "info": {
        "title": "OKR Cadence API",
        "version": "0.1.0",
        "description": "Sync OKR workbooks, read every team's OKRs with status, record check-ins. "
        'Every non-2xx answer has the shape {"error": {"code", "message", "details"}}.',
    },
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {
            "officeSso": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "Office SSO access token (scope access_as_user). "
                "Not required on the embedded default (no Azure app configured).",
            }
        },
        "responses": {
            "Error": {
                "description": "An error the caller can act on.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
        "schemas": {
            "Feed": {
                "type": "object",
                "properties": {
                    "team": {"type": "string"},
                    "active": {"type": "boolean"},
                    "created_at": {"type": "string", "format": "date-time", "nullable": True},
                    "created_by": {"type": "string", "nullable": True, "description": "Object id of who made it"},
                    "revoked_at": {"type": "string", "format": "date-time", "nullable": True},
                },
            },
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message", "details"],
                        "properties": {
                            "code": {"type": "string", "description": "Stable snake_case code."},
                            "message": {"type": "string"},
                            "details": {"type": "object", "additionalProperties": True},
                        },
                    }
                },
            },
            "Location": {
                "type": "object",
                "properties": {
                    k: {"type": "string"} for k in ("sheet", "cell", "column", "team", "objective", "key_result")
                }
                | {"row": {"type": "integer"}},
            },
            "Finding": {
                "type": "object",
                "required": ["rule", "severity", "location", "message"],
                "properties": {
                    "rule": {"type": "string"},
                    "pitfall": {"type": "string", "nullable": True},
                    "severity": {"type": "string", "enum": ["error", "warning", "info"]},
                    "location": {"$ref": "#/components/schemas/Location"},
                    "message": {"type": "string"},
                    "suggestion": {"type": "string"},
                },
            },
            "Conflict": {
                "type": "object",
                "properties": {
                    "key_result": {"type": "string"},
                    "field": {"type": "string"},
                    "base": {"nullable": True},
                    "workbook": {"nullable": True},
                    "stored": {"nullable": True},
                    "location": {"$ref": "#/components/schemas/Location"},
                },
            },
            "LintReport": {
                "type": "object",
                "properties": {
                    "layout": {"type": "string"},
                    "layout_note": {"type": "string"},
                    "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
                },
            },
            "SyncReport": {
                "type": "object",
                "required": [
                    "created",
                    "updated",
                    "unchanged",
                    "archived",
                    "checkins",
                    "conflicts",
                    "findings",
                ],
                "properties": {
                    **{k: {"type": "integer"} for k in ("created", "updated", "unchanged", "archived", "checkins")},
                    "conflicts": {"type": "array", "items": {"$ref": "#/components/schemas/Conflict"}},
                    "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
                    "layout": {"type": "string"},
                    "layout_note": {"type": "string"},
                    "workbook_id": {"type": "string"},
                    "workbook_revision": {
                        "type": "string",
                        "description": "The id and revision the workbook carries from now on (WB-…#r7), in its "
                        "custom document property OKRCadenceWorkbookId: the Excel pane sets it after writing the cells.",
                    },
                    "cells": {
                        "type": "array",
                        "description": "The cells the sync wrote, for a task pane to apply in place.",
                        "items": {
                            "type": "object",
                            "properties": {
                                "sheet": {"type": "string"},
                                "row": {"type": "integer"},
                                "column": {"type": "integer"},
                                "value": {"nullable": True},
                                "kind": {"type": "string"},
                            },
                        },
                    },
                    "written_back": {
                        "type": "boolean",
                        "description": "True when the updated file was built (include=workbook). False without "
                        "include=workbook (the pane writes `cells` itself), for a CSV export, or when the write-back "
                        "failed after the sync was stored (then write_back_error says why, and syncing the workbook "
                        "again is safe).",
                    },
                    "write_back_error": {"type": "string", "nullable": True},
                    "workbook": {
                        "type": "object",
                        "nullable": True,
                        "description": "The updated workbook, only with include=workbook; null when it was not "
                        "written back.",
                        "properties": {
                            "content_type": {"type": "string"},
                            "base64": {"type": "string", "format": "byte"},
                        },
                    },
                },
            },
            "KeyResultStatus": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "continues": {
                        "type": "string",
                        "nullable": True,
                        "description": "The id of last quarter's key result this one carries over.",
                    },
                    "owner": {"type": "string", "nullable": True},
                    "kind": {"type": "string", "nullable": True},
                    **{
                        k: {"type": "number", "nullable": True}
                        for k in ("baseline", "target", "current", "confidence", "progress", "expected", "grade")
                    },
                    "unit": {"type": "string"},
                    "due": {"type": "string", "format": "date", "nullable": True},
                    "status": {"type": "string", "enum": ["not-started", "on-track", "at-risk", "off-track", "done"]},
                    "last_checkin": {"type": "string", "format": "date-time", "nullable": True},
                },
            },
            "TeamStatus": {
                "type": "object",
                "properties": {
                    "team": {"type": "string"},
                    "lead": {
                        "type": "string",
                        "nullable": True,
                        "description": "The stored lead (changes only by the lead or an admin)",
                    },
                    "members": {"type": "array", "items": {"type": "string"}},
                    "quarter": {"type": "string"},
                    "score": {"type": "number", "nullable": True},
                    "dependencies": {
                        "allOf": [{"$ref": "#/components/schemas/TeamDependencies"}],
                        "nullable": True,
                        "description": "What the team depends on and who depends on it, with the answers",
                    },
                    "objectives": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "title": {"type": "string"},
                                "type": {"type": "string"},
                                "score": {"type": "number", "nullable": True},
                                "key_results": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/KeyResultStatus"},
                                },
                            },
                        },
                    },
                },
            },
            "TeamHistory": {
                "allOf": [
                    {"$ref": "#/components/schemas/TeamStatus"},
                    {
                        "type": "object",
                        "properties": {
                            "trend": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "quarter": {"type": "string"},
                                        "key_results": {"type": "integer"},
                                        "score": {"type": "number", "nullable": True},
                                        "checkin_discipline": {"type": "number", "nullable": True},
                                    },
                                },
                            },
                            "paths": {
                                "type": "object",
                                "additionalProperties": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "quarter": {"type": "string"},
                                            "id": {"type": "string"},
                                            **{
                                                k: {"type": "number", "nullable": True}
                                                for k in ("baseline", "target", "current")
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                ],
            },
            "Dependency": {
                "type": "object",
                "description": "One key result's dependency on another team, with that team's answer.",
                "properties": {
                    "kr_id": {"type": "string", "description": "The dependent key result"},
                    "title": {"type": "string"},
                    "team": {"type": "string", "description": "The dependent key result's team"},
                    "objective": {"type": "string"},
                    "on": {"type": "string", "description": "'Depends on' as written"},
                    "other_team": {"type": "string", "description": "The depended-on team"},
                    "state": {"type": "string", "enum": ["accepted", "declined", "unanswered"]},
                    "acknowledged": {
                        "type": "boolean",
                        "description": "Accepted; or, unanswered, named back by the other team's key results",
                    },
                    "named_back": {"type": "boolean"},
                    "note": {"type": "string", "description": "The answering lead's note (plain text)"},
                    "answered_by": {"type": "string", "nullable": True},
                    "answered_at": {"type": "string", "format": "date-time", "nullable": True},
                },
            },
            "TeamDependencies": {
                "type": "object",
                "properties": {
                    "depends_on": {"type": "array", "items": {"$ref": "#/components/schemas/Dependency"}},
                    "depended_on_by": {"type": "array", "items": {"$ref": "#/components/schemas/Dependency"}},
                },
            },
            "DependencyAnswerRequest": {
                "type": "object",
                "required": ["state"],
                "properties": {
                    "state": {"type": "string", "enum": ["accepted", "declined"]},
                    "note": {
                        "type": "string",
                        "maxLength": 500,
                        "description": "Why (required when declining); control and bidi characters are removed",
                    },
                },
            },
            "CheckInRequest": {
                "type": "object",
                "required": ["value"],
                "properties": {
                    "value": {"type": "number"},
                    "confidence": {
                        "oneOf": [{"type": "number"}, {"type": "string"}],
                        "description": "0-1, 0-10, 0-100 %, Low/Medium/High or an emoji.",
                    },
                    "note": {"type": "string", "maxLength": 5000},
                },
            },
            "CheckIn": {
                "type": "object",
                "properties": {
                    "key_result": {"type": "string"},
                    "at": {"type": "string", "format": "date-time"},
                    "value": {"type": "number"},
                    "confidence": {"type": "number", "nullable": True},
                    "note": {"type": "string"},
                },
            },
        },
    },
    "security": [{"officeSso": []}, {}],
    "paths": {
        "/api/health": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "OK"}}}},
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document"}},
            }
        },
        "/api/sync": {
            "post": {
                "summary": "Sync a workbook: validate, store, and return the status cells it wrote",
                "parameters": [
                    _QUARTER,
                    {
                        "name": "include",
                        "in": "query",
                        "required": False,
                        "description": "workbook: also return the updated workbook (base64).",
                        "schema": {"type": "string", "enum": ["workbook"]},
                    },
                ],
                "requestBody": _XLSX_BODY,
                "responses": {
                    "200": _json("SyncReport", "What the sync did and the cells it wrote"),
                    "400": _ERROR,
                    "401": _ERROR,
                    "429": _ERROR,
                    "413": _ERROR,
                    "415": _ERROR,
                    "422": _ERROR,
                },
            }
        },
        "/api/map": {
            "post": {
                "summary": "How a workbook's sheets and columns are read (the mapping), or -- when no table of key "
                "results is found -- each sheet's columns with sample values, to map by hand",
                "parameters": [_QUARTER],
                "requestBody": _XLSX_BODY,
                "responses": {
                    "200": {
                        "description": "{mapping, refusal}",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "400": _ERROR,
                    "401": _ERROR,
                    "429": _ERROR,
                    "413": _ERROR,
                    "415": _ERROR,
                    "422": _ERROR,
                },
            }
        },
        "/api/lint": {
            "post": {
                "summary": "Check a workbook against the OKR pitfalls without storing it",
                "parameters": [_QUARTER],
                "requestBody": _XLSX_BODY,
                "responses": {
                    "200": _json("LintReport", "Findings"),
                    "400": _ERROR,
                    "401": _ERROR,
                    "429": _ERROR,
                    "413": _ERROR,
                    "415": _ERROR,
                    "422": _ERROR,
                },
            }
        },
        "/api/teams": {
            "get": {
                "summary": "Every team's OKRs with status, a page at a time (teams with key results in the "
                "quarter, by name)",
                "parameters": [
                    _QUARTER,
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                    },
                    {
                        "name": "offset",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 0, "default": 0},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "One page of teams",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "teams": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/TeamStatus"},
                                        },
                                        "total": {"type": "integer"},
                                        "offset": {"type": "integer"},
                                        "limit": {"type": "integer"},
                                        "next": {
                                            "type": "string",
                                            "nullable": True,
                                            "description": "The next page's URL; null on the last page",
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "400": _ERROR,
                    "401": _ERROR,
                    "429": _ERROR,
                },
            }
        },
        "/api/teams/{team}": {
            "get": {
                "summary": "One team's OKRs with status",
                "parameters": [
                    {"name": "team", "in": "path", "required": True, "schema": {"type": "string"}},
                    _QUARTER,
                    {
                        "name": "If-None-Match",
                        "in": "header",
                        "required": False,
                        "description": "The ETag of the page the caller has: 304 while it is still current",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": {
                        **_json("TeamHistory", "The team's quarter, trend and carried-over KRs"),
                        "headers": {"ETag": {"description": "Names this page", "schema": {"type": "string"}}},
                    },
                    "304": {"description": "The page named by If-None-Match is still current (no body)"},
                    "401": _ERROR,
                    "429": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/api/teams/{team}/dependencies": {
            "get": {
                "summary": "What the team depends on and who depends on it, with the other teams' answers",
                "parameters": [
                    {"name": "team", "in": "path", "required": True, "schema": {"type": "string"}},
                    _QUARTER,
                ],
                "responses": {
                    "200": {
                        "description": "Both lists; may_answer: whether the caller may accept or decline",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "allOf": [
                                        {"$ref": "#/components/schemas/TeamDependencies"},
                                        {
                                            "type": "object",
                                            "properties": {
                                                "team": {"type": "string"},
                                                "quarter": {"type": "string"},
                                                "lead": {"type": "string", "nullable": True},
                                                "may_answer": {"type": "boolean"},
                                            },
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "400": _ERROR,
                    "401": _ERROR,
                    "404": _ERROR,
                    "429": _ERROR,
                },
            }
        },
        "/api/teams/{team}/dependencies/{kr_id}": {
            "put": {
                "summary": "The team's lead (or an admin) accepts or declines key result kr_id's dependency on the "
                "team; recorded in the audit trail",
                "parameters": [
                    {"name": "team", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "kr_id", "in": "path", "required": True, "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/DependencyAnswerRequest"}}
                    },
                },
                "responses": {
                    "200": _json("Dependency", "The dependency with its answer"),
                    "400": _ERROR,
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                    "429": _ERROR,
                },
            }
        },
        "/api/teams/{team}/next-quarter": {
            "get": {
                "summary": "Next quarter's workbook of the team, pre-filled from its retro's carry-over",
                "parameters": [
                    {"name": "team", "in": "path", "required": True, "schema": {"type": "string"}},
                    {**_QUARTER, "description": "The quarter that closes (default: the team's latest)."},
                ],
                "responses": {
                    "200": {
                        "description": "The workbook, base64",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "team": {"type": "string"},
                                        "from": {"type": "string"},
                                        "quarter": {"type": "string"},
                                        "carried": {"type": "integer"},
                                        "workbook": {"type": "string", "format": "byte"},
                                    },
                                }
                            }
                        },
                    },
                    "400": _ERROR,
                    "401": _ERROR,
                    "404": _ERROR,
                    "429": _ERROR,
                },
            }
        },
        "/api/teams/{team}/calendar/{quarter}.ics": {
            "get": {
                "summary": "The team's quarter as an iCalendar file (embedded default calendar)",
                "parameters": [
                    {"name": "team", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "quarter",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "RFC 5545 calendar",
                        "content": {"text/calendar": {"schema": {"type": "string"}}},
                    },
                    "401": _ERROR,
                    "429": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/api/teams/{team}/feed": {
            "parameters": [{"name": "team", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "summary": "Whether the team has a calendar feed, since when and who made it (never its URL)",
                "responses": {"200": _FEED, "401": _ERROR, "404": _ERROR, "429": _ERROR},
            },
            "post": {
                "summary": "Make the team's calendar feed URL (its lead, members or an admin); an older URL stops "
                "working. The URL appears in this answer only",
                "responses": {
                    "201": {
                        "description": "The feed, with its https:// and webcal:// addresses",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "allOf": [
                                        {"$ref": "#/components/schemas/Feed"},
                                        {
                                            "type": "object",
                                            "properties": {
                                                "url": {"type": "string"},
                                                "webcal": {"type": "string"},
                                                "replaced": {"type": "boolean"},
                                            },
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                    "429": _ERROR,
                },
            },
            "delete": {
                "summary": "Revoke the team's calendar feed (its lead, members or an admin): its URL answers 404",
                "responses": {"200": _FEED, "401": _ERROR, "403": _ERROR, "404": _ERROR, "429": _ERROR},
            },
        },
        "/feeds/{token}.ics": {
            "get": {
                "summary": "A team's meetings of today's quarter and the next, for calendar apps "
                "(iCalendar METHOD:PUBLISH, no attendees); no sign-in: the secret token is the credential",
                "security": [],
                "parameters": [
                    {
                        "name": "token",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "RFC 5545 calendar",
                        "content": {"text/calendar": {"schema": {"type": "string"}}},
                    },
                    "304": {"description": "Not modified since the ETag sent in If-None-Match"},
                    "404": _ERROR,
                },
            }
        },
        "/api/meetings/{key}": {
            "get": {
                "summary": "The team, kind and quarter of the meeting whose key its invite carries",
                "parameters": [
                    {
                        "name": "key",
                        "in": "path",
                        "required": True,
                        "schema": {
                            "type": "string",
                            "pattern": "^okr-(checkin|review|retro)-[0-9a-f]{24}(-until-[0-9]{8})?$",
                        },
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The meeting",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "key": {"type": "string"},
                                        "team": {"type": "string"},
                                        "kind": {"type": "string"},
                                        "quarter": {"type": "string"},
                                    },
                                }
                            }
                        },
                    },
                    "400": _ERROR,
                    "401": _ERROR,
                    "404": _ERROR,
                    "429": _ERROR,
                },
            }
        },
        "/api/meetings/{key}/agenda": {
            "get": {
                "summary": "The meeting's agenda: KRs that moved, stale and low-confidence KRs, dependencies to settle",
                "parameters": [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "The agenda",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "team": {"type": "string"},
                                        "moved": {"type": "array", "items": {"type": "object"}},
                                        "stale": {"type": "array", "items": {"type": "object"}},
                                        "low_confidence": {"type": "array", "items": {"type": "object"}},
                                        "dependencies": {"type": "array", "items": {"type": "object"}},
                                    },
                                }
                            }
                        },
                    },
                    "400": _ERROR,
                    "401": _ERROR,
                    "404": _ERROR,
                    "429": _ERROR,
                },
            }
        },
        "/api/teams/{team}/retro/{quarter}.docx": {
            "get": {
                "summary": "The team's quarter-end Word retro pack",
                "parameters": [
                    {"name": "team", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "quarter",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"},
                    },
                    {
                        "name": "charts",
                        "in": "query",
                        "required": False,
                        "description": "0 leaves the trend charts out",
                        "schema": {"type": "string", "enum": ["0", "1"]},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "A .docx",
                        "content": {
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
                                "schema": {"type": "string", "format": "binary"}
                            }
                        },
                    },
                    "400": _ERROR,
                    "401": _ERROR,
                    "404": _ERROR,
                    "429": _ERROR,
                },
            }
        },
        "/api/key-results/{kr_id}/checkins": {
            "post": {
                "summary": "Record a check-in on a key result",
                "parameters": [{"name": "kr_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckInRequest"}}},
                },
                "responses": {
                    "201": _json("CheckIn", "The recorded check-in"),
                    "400": _ERROR,
                    "401": _ERROR,
                    "429": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/api/audit": {
            "get": {
                "summary": "The audit trail (admins only): who changed what, when; newest first",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
                    },
                    {
                        "name": "before",
                        "in": "query",
                        "required": False,
                        "description": "Entries older than this id",
                        "schema": {"type": "integer", "minimum": 1},
                    },
                    {
                        "name": "action",
                        "in": "query",
                        "required": False,
                        "schema": {
                            "type": "string",
                            "enum": list(audit.ACTIONS),
                        },
                    },
                ],
                "responses": {
                    "200": {
                        "description": "Entries",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "entries": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "id": {"type": "integer"},
                                                    "at": {"type": "string", "format": "date-time"},
                                                    "actor": {"type": "string", "description": "The actor's object id"},
                                                    "actor_name": {"type": "string"},
                                                    "action": {"type": "string"},
                                                    "target": {"type": "string"},
                                                    "details": {"type": "object"},
                                                },
                                            },
                                        },
                                        "next": {"type": "string", "nullable": True},
                                    },
                                }
                            }
                        },
                    },
                    "400": _ERROR,
                    "401": _ERROR,
                    "403": _ERROR,
                    "429": _ERROR,
                },
            }
        },
        "/api/tenant": {
            "delete": {
                "summary": "Offboard the caller's organisation (app role OKR.Admin): its sign-ins stop, "
                "its data stays; its admin consenting again at /onboard brings it back",
                "responses": {
                    "200": {
                        "description": "The organisation is offboarded",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "tenant": {"type": "string"},
                                        "state": {"type": "string", "enum": ["offboarded"]},
                                    },
                                }
                            }
                        },
                    },
                    "401": _ERROR,
                    "403": _ERROR,
                    "429": _ERROR,
                },
            }
        },
    },
}


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(OPENAPI)


@bp.get("/health")
def health() -> Response:
    return jsonify({"status": "ok"})
