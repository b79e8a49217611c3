"""HTTP adapters for the two services the API layer composes (``api.ports`` protocols)."""
