"""Bookings: reservations of an offer, their state machine, provisioners and provider webhooks."""
