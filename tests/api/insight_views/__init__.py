"""Views of insights (CONTRACT.md §1 rows 3-5, §2, §3, §7 "Trending"; reference §4.2, §5.3,
§5.5, §7.8-§7.10): recording views, the caller's last viewed insights, trending, and the list's
`last_viewed_at`, through the WSGI app on both backends, at instants a test clock chooses."""
