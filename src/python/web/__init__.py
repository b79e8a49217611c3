"""The web front end: server-rendered pages over the public API layer, and nothing else."""
