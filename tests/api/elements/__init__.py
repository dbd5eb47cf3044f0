"""Element CRUD (CONTRACT.md §1 rows 6-10, §3, §5; reference posthog-elements-api.md §2-§4)
through the WSGI app on both backends."""
