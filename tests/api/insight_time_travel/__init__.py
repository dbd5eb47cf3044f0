"""Time travel and revert (issue 4 "Time travel"; CONTRACT.md §5 "Event sourcing gives …", §3
scopes, §4 errors): `GET …/insights/{id}?version=N`, `?as_of=<ISO-8601>` and
`POST …/insights/{id}/revert`, through the WSGI app on both backends, at instants a test clock
chooses, by id and by short_id, under /api/projects/ and /api/environments/."""
