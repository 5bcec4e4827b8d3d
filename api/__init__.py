"""The HTTP face of GPUBroker: the app factory, routers of every domain, SSE and the CLI."""
