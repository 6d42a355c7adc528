"""Zhili's web service: SPARQL 1.1 endpoint, REST/JSON-LD API and linked-data pages."""
