"""Provider adapters: one module per provider, one registry (:mod:`catalog.adapters.registry`)."""
