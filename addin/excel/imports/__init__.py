"""Readers of vendor exports (one row per item, an item-type column, a parent link)."""
