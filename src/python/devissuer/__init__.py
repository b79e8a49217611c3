"""A development-only token issuer for the local stack (docs/adr/0015); never deployed."""
