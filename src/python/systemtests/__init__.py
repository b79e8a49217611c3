"""Tests of the system as it ships: the service images, run as containers together."""
