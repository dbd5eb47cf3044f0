"""Persistence wiring, the application services that load and save aggregates, and tables."""
