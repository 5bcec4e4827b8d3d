"""Billing: metered usage of bookings, daily invoices (JSON, PDF), currencies and FX, Kill Bill."""
