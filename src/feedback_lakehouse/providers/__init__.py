"""Enrichment providers. Each one turns TextItems into EnrichedRecords."""
