"""Offline validation of deploy/: rendering the Helm charts and checking what they produce."""
