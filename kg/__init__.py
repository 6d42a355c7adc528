"""Zhili: a hand-curated, bilingual knowledge graph of urban grassroots governance."""

__version__ = "1.0.0"
