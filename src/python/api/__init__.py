"""The public API layer: composes the flights and reservations services (which never call
each other) into flight search, seat availability and all-or-nothing multi-seat bookings."""
