"""The edges: model clients, the python sandbox, caches and the batch engine."""
