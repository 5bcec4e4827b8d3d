"""Server-rendered pages (Jinja2): marketplace, offer detail, provider health, chat."""
