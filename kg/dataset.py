"""The files that make up the dataset and the named graph each one goes into."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef

from .namespaces import GRAPH
from .paths import DATA, LOCALITIES, MANIFEST, ONTOLOGY_FILE, SCHEME_FILE


def curated_files(data_dir: Path = DATA) -> list[Path]:
    """Hand-curated Turtle kept in canonical form: the scheme, the manifest and kg/data."""
    files = [SCHEME_FILE, MANIFEST]
    files += sorted(Path(data_dir).glob("*.ttl"))
    files += sorted((Path(data_dir) / LOCALITIES.name).glob("*.ttl"))
    files += sorted((Path(data_dir) / "proposed").glob("*.ttl"))
    return files


def dataset_files(data_dir: Path = DATA, extra: list[Path] | None = None) -> list[Path]:
    """Everything loaded into the store: ontology, curated files, and any extra files."""
    return [ONTOLOGY_FILE] + curated_files(data_dir) + list(extra or [])


def graph_name(path: Path) -> URIRef:
    """One named graph per file: graph/ontology, graph/mechanisms, graph/localities/jinchang…"""
    path = Path(path)
    if path.parent.name in ("localities", "proposed"):
        return GRAPH[f"{path.parent.name}/{path.stem}"]
    if path == ONTOLOGY_FILE:
        return GRAPH["ontology"]
    return GRAPH[path.stem]


def load_rdflib(files: list[Path]) -> Graph:
    """The union of files as one rdflib Graph (for SHACL validation and JSON-LD)."""
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph
