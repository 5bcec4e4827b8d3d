"""The catalog: providers, offers, price history, ingestion, search, GPU knowledge and forecasting."""
