"""The SPARQL 1.1 Protocol endpoint: guard, negotiation, result writers and the worker pool."""
