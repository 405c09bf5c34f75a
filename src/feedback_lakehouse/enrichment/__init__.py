"""enrichment."""
