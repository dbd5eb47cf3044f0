"""Element stats and values (issue 5 "Stats and values"; CONTRACT.md §1 rows 11-12, §3 scopes,
§4 errors/formats, §7 "Element stats" and "Capture"; reference posthog-elements-api.md §5.1, §6.1):
`GET …/elements/stats` and `GET …/elements/values` over events sent through `/batch/`, through
the WSGI app on both backends, with "now" fixed by a test clock (stats are day-grained in UTC)."""
