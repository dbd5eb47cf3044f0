"""The insights' activity log through the WSGI app (CONTRACT.md §1 row 18, §3, §4, §7 "Activity";
reference posthog-activity-log.md §4 and posthog-insights-api.md §7.11, §9.1-§9.3; issue 4).

Per-insight route: GET /api/{projects|environments}/{id}/insights/{id or short_id}/activity.
Project feed:      GET /api/{projects|environments}/{id}/insights/activity.
"""
