"""A scale corpus: Markdown policy documents recombined from the default corpus, about N chunks in all.

    python bench/scale_corpus.py --chunks N [--out DIR] [--seed S]

Each generated document takes one source document of the default corpus (corpus/src/pdf/*.txt and
corpus/*.html) as its backbone, drops some of its sections and mixes in sections of others, shuffles
the sentences inside every section, and gives it its own employer, cities, vendors, people, numbers
and some synonyms. So the index holds many distinct, policy-like vectors and BM25 postings rather
than N copies of the same few, and a query meets realistic near-duplicates. Same seed, same bytes.

The number of files is found by chunking the first documents with the real parser and chunker and
extrapolating their mean, so the ingest of the folder yields about N chunks (within a few %).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCALE_DIR = ROOT / "bench" / ".scale"
# Cached corpora and indexes are rebuilt when this file changes.
GENERATOR_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
# Documents chunked for real before the mean chunks per document is extrapolated.
EXACT_DOCS = 60
# Hidden: ingest skips dot files, so the folder holds documents only as far as it can see.
MANIFEST = ".manifest.json"

EMPLOYERS = ["Northwind Freight", "Bluefin Robotics", "Cedar Hollow Health", "Quarry Lane Foods",
             "Halcyon Media", "Ironbark Energy", "Saltmarsh Logistics", "Tindall & Rowe", "Orchid Labs",
             "Pinecrest Mutual", "Vantage Shipyards", "Copperleaf Software", "Harbor Point Retail",
             "Redwood Civic Bank", "Silverline Transit", "Maple & Stone", "Obsidian Analytics",
             "Foxglove Pharma", "Tern Aerospace", "Granite Peak Insurance", "Wildrye Bakeries",
             "Lumen Grid", "Kestrel Security", "Juniper Schools", "Meadowbrook Hospitals",
             "Aster Telecom", "Cobalt Mining", "Driftwood Hotels", "Everfield Farms", "Nimbus Cloudworks"]
CITIES = ["Portland", "Boise", "Omaha", "Tulsa", "Madison", "Richmond", "Albany", "Tucson", "Fresno",
          "Spokane", "Durham", "Lexington", "Dayton", "Reno", "Savannah", "Burlington", "Duluth",
          "Santa Fe", "Anchorage", "Providence", "Columbus", "Memphis", "Sacramento", "Pittsburgh"]
VENDORS = {  # names in the default corpus → stand-ins, one picked per document
    "Meridian Claims Services": ["Keystone Absence Partners", "Beacon Leave Administrators",
                                 "Crescent Claims Group", "Pioneer Disability Services"],
    "BrightPath": ["ClearMind", "Harborlight", "WellSpring", "Northstar"],
    "PeopleHub": ["StaffDesk", "WorkNest", "HRConnect", "TeamPortal"],
    "Guardian Crest": ["Sentinel Mutual", "Evergreen Life", "Atlas Assurance", "Bulwark National"],
    "ClearContinuation": ["BenefitBridge", "CoverCarry", "ContinuCare", "PlanExtend"],
    "Summit Retirement Services": ["Ridgeline Retirement", "Compass Recordkeeping", "Trellis Savings"],
    "Transition Option": ["Exit Option", "Mutual Separation Option", "Voluntary Departure Option"],
}
PEOPLE = {"Jordan": ["Avery", "Casey", "Jamie"], "Sam": ["Noor", "Kai", "Robin"], "Ravi": ["Mei", "Tomas", "Lena"],
          "Morgan": ["Devon", "Quinn", "Rowan"], "Priya": ["Ines", "Yara", "Hana"], "Alex": ["Milo", "Eli", "Zoe"],
          "Dana": ["Ruth", "Omar", "Ada"], "Reyes": ["Lindqvist", "Mbeki", "Castillo"],
          "Okafor": ["Novak", "Haddad", "Sato"], "Lee": ["Brennan", "Ortiz", "Kowalski"]}
LARKSPUR_CITIES = ["Denver", "Austin", "Seattle", "San Jose", "Raleigh"]
# Word swaps that keep a sentence grammatical; each document applies a random half of them.
SYNONYMS = [("employees", "team members"), ("employee", "team member"), ("managers", "supervisors"),
            ("manager", "supervisor"), ("eligible", "qualified"), ("doctor", "physician"),
            ("spouse", "partner"), ("receive", "get"), ("begins", "starts"), ("begin", "start"),
            ("promptly", "quickly"), ("approval", "sign-off"), ("coverage", "protection"),
            ("job", "position"), ("ends", "finishes")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
_SCALES = (0.5, 0.75, 1.0, 1.0, 1.25, 1.5, 2.0)
# A number with a unit: the days, weeks, percentages and hours that answers are made of.
_QUANTITY = re.compile(r"(?<![\d.,\-/])(\d{1,3}(?:,\d{3})+|\d+)(?=(%| percent| (?:business |calendar |working )?"
                       r"(?:days?|weeks?|months?|hours?|years?)\b))")
_MONEY = re.compile(r"\$(\d{1,3}(?:,\d{3})+|\d+)")
_PHONE = re.compile(r"\b1-800-555-\d{4}\b")


@dataclass(frozen=True)
class SourceSection:
    heading: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class SourceDoc:
    title: str
    sections: tuple[SourceSection, ...]


def _plain(line: str) -> str:
    return re.sub(r"\*\*?([^*]+)\*\*?", r"\1", line).strip()


def _pdf_source(path: Path) -> SourceDoc:
    """A corpus/src/pdf/*.txt file (format: corpus/src/FORMAT.md) as sections of sentences."""
    from ingest.text_utils import split_sentences

    header, _, body = path.read_text(encoding="utf-8").partition("\n===\n")
    title = re.search(r"^title:\s*(.+)$", header, re.M).group(1).strip()
    sections, heading, paragraphs, current, table_head = [], "", [], [], None

    def flush_section():
        paragraphs.append(" ".join(current))
        current.clear()
        sentences = tuple(s for p in paragraphs for s in split_sentences(p))
        if sentences:
            sections.append(SourceSection(heading, sentences))
        paragraphs.clear()

    for line in body.splitlines():
        line = line.strip()
        if line.startswith("["):  # [pagebreak], [columns N]: layout only
            continue
        if line.startswith("|"):
            cells = [_plain(c) for c in line.strip("|").split("|")]
            if table_head is None:
                table_head = cells
            else:  # a table row becomes one sentence that keeps its column names
                paragraphs.append("; ".join(f"{h}: {c}" for h, c in zip(table_head, cells)) + ".")
            continue
        table_head = None
        if line.startswith("#"):
            flush_section()
            heading = re.sub(r"^[\d.]+\s+", "", line.lstrip("#").strip())
        elif not line:
            paragraphs.append(" ".join(current))
            current.clear()
        elif line.startswith(("- ", "> ")):
            paragraphs.append(" ".join(current))
            current[:] = [_plain(line[2:])]
        else:
            current.append(_plain(line))
    flush_section()
    return SourceDoc(title, tuple(sections))


def _html_source(path: Path) -> SourceDoc:
    from ingest.parse import parse_file
    from ingest.text_utils import split_sentences

    doc = parse_file(path, path.name)
    sections = (SourceSection(s.heading, tuple(x for line in s.text.split("\n") for x in split_sentences(line)))
                for s in doc.sections)
    return SourceDoc(doc.title, tuple(s for s in sections if s.sentences))


@lru_cache(maxsize=1)
def source_docs() -> tuple[SourceDoc, ...]:
    corpus = ROOT / "corpus"
    docs = [_pdf_source(p) for p in sorted((corpus / "src" / "pdf").glob("*.txt"))]
    docs += [_html_source(p) for p in sorted(corpus.glob("*.html"))]
    return tuple(docs)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Variation:
    """The names, numbers and words one generated document uses instead of the default corpus's."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.employer = rng.choice(EMPLOYERS)
        self.cities = rng.sample(CITIES, len(LARKSPUR_CITIES))
        short = self.employer.split()[0]
        # Lower-case "larkspur" is in e-mail and web addresses.
        names = {"Larkspur Analytics": self.employer, "Larkspur": short, "larkspur": _slug(short)}
        names.update((old, rng.choice(new)) for old, new in VENDORS.items())
        names["Meridian"] = names["Meridian Claims Services"].split()[0]  # its short name, as the corpus uses
        names.update((old, rng.choice(new)) for old, new in PEOPLE.items())
        names.update(zip(LARKSPUR_CITIES, self.cities))
        for old, new in (pair for pair in SYNONYMS if rng.random() < 0.5):
            names[old], names[old.capitalize()] = new, new[0].upper() + new[1:]
        self._names = names
        alternatives = sorted(names, key=len, reverse=True)  # longest first: "Larkspur Analytics" before "Larkspur"
        self._pattern = re.compile(r"\b(" + "|".join(re.escape(a) for a in alternatives) + r")\b")
        self.phone_suffix = rng.randrange(1000, 9999)

    def _scale(self, match: re.Match, limit: int | None = None) -> str:
        value = int(match.group(1).replace(",", ""))
        new = max(1, round(value * self.rng.choice(_SCALES)))
        new = min(new, limit) if limit else new
        return f"{new:,}" if value >= 1000 else str(new)

    def apply(self, text: str) -> str:
        text = self._pattern.sub(lambda m: self._names[m.group(0)], text)
        text = _QUANTITY.sub(lambda m: self._scale(m, 100 if m.group(2) in ("%", " percent") else None), text)
        text = _MONEY.sub(lambda m: "$" + self._scale(m), text)
        return _PHONE.sub(f"1-800-555-{self.phone_suffix}", text)


def make_document(seed: int, number: int) -> tuple[str, str]:
    """(file name, Markdown text) of generated document `number`; depends only on seed and number."""
    rng = random.Random(f"{seed}:{number}")
    docs = source_docs()
    backbone = docs[number % len(docs)]  # every kind of document in turn
    vary = _Variation(rng)
    sections = [s for s in backbone.sections if rng.random() < 0.8] or list(backbone.sections[:1])
    for _ in range(rng.randint(1, 3)):  # a few sections of other documents, as real bundles have
        other = rng.choice(docs)
        sections.insert(rng.randint(0, len(sections)), rng.choice(other.sections))
    title = vary.apply(backbone.title)
    if vary.employer.split()[0] not in title:
        title = f"{vary.employer} {title}"
    # One employer's documents of one kind repeat with other effective dates: at scale the version
    # logic (rag/versions.py) sees many versions of a title, as a real archive has.
    effective = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2021, 2025)}"
    lines = [f"# {title}", "",
             f"Effective {effective}. Version {rng.randint(1, 9)}.{rng.randint(0, 9)}. This document applies to "
             f"{vary.employer} employees in {', '.join(vary.cities[:-1])} and {vary.cities[-1]}.", ""]
    for n, section in enumerate(sections, start=1):
        sentences = [s for s in section.sentences if rng.random() > 0.15] or list(section.sentences[:1])
        rng.shuffle(sentences)
        lines += [f"## {n}. {vary.apply(section.heading)}", ""]
        while sentences:  # paragraphs of one to four sentences
            take = rng.randint(1, 4)
            lines += [" ".join(vary.apply(s) for s in sentences[:take]), ""]
            sentences = sentences[take:]
    name = f"{number:06d}-{_slug(title)[:60]}.md"
    return name, "\n".join(lines)


def count_chunks(path: Path, counter, settings) -> int:
    """Chunks the ingest makes of one file: our parser and chunker, as ingest/pipeline.py calls them."""
    from ingest.chunk import chunk_document
    from ingest.parse import parse_file

    doc = parse_file(path, path.name)
    return len(chunk_document(doc, "0" * 64, counter, settings.max_chunk_tokens, settings.chunk_tokens))


def generate(chunks: int, out: Path, seed: int = 0, log=print) -> dict:
    """Write about `chunks` chunks' worth of documents into `out` (its old .md files are removed)."""
    from core.config import load_settings
    from core.embed import TokenCounter

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.md"):
        old.unlink()
    settings = load_settings()
    counter = TokenCounter(settings.embed_model_path)
    counted, files, expected = [], 0, 0.0
    while chunks > 0:
        name, text = make_document(seed, files)
        (out / name).write_text(text, encoding="utf-8")
        files += 1
        if len(counted) < EXACT_DOCS:
            counted.append(count_chunks(out / name, counter, settings))
        mean = sum(counted) / len(counted)
        expected = sum(counted) + (files - len(counted)) * mean
        if expected + mean / 2 >= chunks:  # stop at the file count closest to the target
            break
        if files % 500 == 0:
            log(f"  generated {files} files (~{expected:.0f} chunks)")
    manifest = {"target_chunks": chunks, "seed": seed, "generator": GENERATOR_VERSION, "files": files,
                "expected_chunks": round(expected), "exactly_counted_files": len(counted),
                "mean_chunks_per_file": round(sum(counted) / len(counted), 2) if counted else 0}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, required=True, help="about how many chunks the folder should yield")
    parser.add_argument("--out", type=Path, help="folder to write (default: bench/.scale/corpus-N-seedS)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = args.out or SCALE_DIR / f"corpus-{args.chunks}-seed{args.seed}"
    manifest = generate(args.chunks, out, args.seed)
    print(f"{manifest['files']} files in {out}, about {manifest['expected_chunks']} chunks "
          f"({manifest['mean_chunks_per_file']} per file, measured on {manifest['exactly_counted_files']} files)")


if __name__ == "__main__":
    main()
