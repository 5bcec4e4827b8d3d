"""Fake provider APIs for the provisioning tests, each written from the provider's public API reference
(cited in its module docstring) and served over real HTTP, so every test goes through the real clients."""
