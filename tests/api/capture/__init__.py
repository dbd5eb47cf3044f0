"""PostHog-compatible capture (`/e`, `/capture`, `/batch`, `/i/v0/e`; CONTRACT.md §3 last bullet,
§7 "Capture"; issue 5 "Capture") through the WSGI app on both backends: paths and body shapes,
encodings and limits, project tokens, dedupe by uuid, all-or-nothing batches, timestamps,
autocapture elements, CORS and project isolation. What was stored is read from the
`analytics_events` table and through `GET …/elements/stats` and `…/elements/values`."""
