"""The insights list (CONTRACT.md §1 row 13, reference §7.1): every filter, the ordering,
pagination and the basic/full shapes, through the WSGI app on both backends."""
