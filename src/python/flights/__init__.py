"""Flights service: the authoritative source of flights and seat maps (README.md)."""
