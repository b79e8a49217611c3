"""Load generator for the public API layer: Locust users that search, view seats, book and
cancel like customers do, with a deliberately contended "hot" flight. See README.md."""
