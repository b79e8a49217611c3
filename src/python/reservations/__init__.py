"""The reservations service: who holds which seat, decided atomically in Redis (see README.md)."""
