"""Tests of the OKR domain: scoring, quarters and the linter."""
