"""Jinja2 Terraform templates, one per provider family, and the function that renders them."""
