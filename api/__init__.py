"""The HTTP interface: Falcon resources, authentication, PostHog shapes, errors, CSV."""
