"""Where the project's files live, so no module hard-codes a path twice."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
MANIFEST = SEEDS / "manifest.ttl"
ONTOLOGY = ROOT / "ontology"
ONTOLOGY_FILE = ONTOLOGY / "zhili.ttl"
SCHEME_FILE = ONTOLOGY / "mechanisms.ttl"
SHAPES_FILE = ONTOLOGY / "shapes.ttl"
QC_DIR = ONTOLOGY / "qc"
CONTEXT_FILE = ONTOLOGY / "context.jsonld"
DATA = Path(__file__).resolve().parent / "data"
LOCALITIES = DATA / "localities"
RECALL_EXCLUSIONS = DATA / "recall-exclusions.tsv"
README_FILE = ROOT / "README.md"
