"""The namespace of every deterministic aggregate id (uuid5 of a natural key)."""

from __future__ import annotations

from uuid import UUID

NAMESPACE = UUID("5d0b3c52-6f1a-4c9e-9a43-2f8e4b7d1c60")
