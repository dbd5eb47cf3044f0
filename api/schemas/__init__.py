"""Pydantic models: request validation, and the OpenAPI document built from the same models."""
