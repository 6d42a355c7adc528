"""A Mermaid class diagram of the data model, generated from the OWL ontology for the README."""

from __future__ import annotations

import re

from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from .namespaces import SCHEMA
from .paths import ONTOLOGY_FILE, README_FILE
from .turtle import qname

START, END = "<!-- model:start -->", "<!-- model:end -->"
# The reused Web Annotation model, drawn once so the evidence path is visible.
_EVIDENCE = [
    "  zl_Mechanism --> zl_MechanismCategory : skos_broader",
    "  oa_Annotation --> prov_Entity : hasBody",
    "  oa_Annotation --> oa_SpecificResource : hasTarget",
    "  oa_SpecificResource --> zl_SourceDocument : hasSource",
    "  oa_SpecificResource --> oa_TextQuoteSelector : hasSelector",
    "  oa_SpecificResource --> oa_TextPositionSelector : hasSelector",
    "  class oa_TextQuoteSelector {\n    xsd_string exact\n  }",
    "  class oa_TextPositionSelector {\n    xsd_nonNegativeInteger start\n    xsd_nonNegativeInteger end\n  }",
]


def _domains(g: Graph, prop) -> list:
    return sorted(set(g.objects(prop, RDFS.domain)) | set(g.objects(prop, SCHEMA.domainIncludes)), key=str)


def _name(node) -> str:
    return qname(str(node)).replace(":", "_")


def mermaid(ontology_file=ONTOLOGY_FILE) -> str:
    g = Graph().parse(ontology_file, format="turtle")
    lines = ["```mermaid", "classDiagram", "  direction LR"]
    classes = sorted(g.subjects(RDF.type, OWL.Class), key=str)
    for cls in classes:
        attrs = sorted((p for p in g.subjects(RDF.type, OWL.DatatypeProperty) if cls in _domains(g, p)), key=str)
        body = "".join(f"\n    {_name(g.value(a, RDFS.range) or RDFS.Literal)} {qname(str(a)).split(':')[1]}" for a in attrs)
        lines.append(f"  class {_name(cls)} {{{body}\n  }}" if body else f"  class {_name(cls)}")
        for parent in sorted(g.objects(cls, RDFS.subClassOf), key=str):
            lines.append(f"  {_name(parent)} <|-- {_name(cls)}")
    for prop in sorted(g.subjects(RDF.type, OWL.ObjectProperty), key=str):
        range_ = g.value(prop, RDFS.range)
        for domain in _domains(g, prop) if range_ is not None else []:
            lines.append(f"  {_name(domain)} --> {_name(range_)} : {qname(str(prop)).split(':')[1]}")
    lines += _EVIDENCE
    lines.append("```")
    return "\n".join(lines)


def section() -> str:
    return f"{START}\n{mermaid()}\n{END}"


def readme_section(readme=README_FILE) -> str:
    match = re.search(re.escape(START) + ".*?" + re.escape(END), readme.read_text(encoding="utf-8"), flags=re.S)
    return match.group(0) if match else ""


def write_readme(readme=README_FILE) -> None:
    text = readme.read_text(encoding="utf-8")
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: section(), text, flags=re.S)
    readme.write_text(text, encoding="utf-8")
