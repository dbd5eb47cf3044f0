"""The `insightlog` command line."""
