"""Price alerts: saved searches with a threshold, fired when an ingestion brings a matching offer under it."""
