"""Falcon resources: thin responders that validate, call one service, and shape the answer."""
