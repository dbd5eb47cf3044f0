"""Errors, body limits, robustness and the OpenAPI document (CONTRACT §4; reference auth §6)."""
