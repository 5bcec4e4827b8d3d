"""Typed tool functions the agent calls: thin wrappers over the catalog (and later booking/billing)
services, with Pydantic arguments and results and docstrings the model reads."""
