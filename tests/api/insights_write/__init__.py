"""Creating, retrieving and changing insights (reference §7.2-§7.5 and §6.3-§6.5) through the
WSGI app on both backends."""
