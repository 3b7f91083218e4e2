"""The documentation stays in the repository and in step with the code (no root needed).

- Every key of topologies/schema.json has its row in a key table of docs/topology.md, and every
  row names a key the schema has. The convention: a key table is preceded by a comment
  `<!-- schema: POINTER [POINTER...] -->` naming the schema objects (JSON pointers into
  schema.json, `#` for the top level) whose `properties` it lists; its first column is the key
  in backticks. The table must list exactly those objects' keys ($refs followed), and every
  object of the schema that has `properties` must be named by some table.
- No page links to ../shared or to any path outside the repository.
- Every relative link in README.md and docs/*.md resolves to a file or directory of the
  repository, and a #anchor to a heading of the target (GitHub's slugs).
- README.md is at most 350 lines, and still holds the examples test_rootless.py runs.
"""
import json
import re
import urllib.parse

import pytest

from nslab_testing import ROOT

DOCS = ROOT / "docs"
README = ROOT / "README.md"
SCHEMA_PATH = ROOT / "topologies" / "schema.json"
PAGES = [README] + sorted(DOCS.glob("*.md"))


@pytest.fixture(autouse=True)
def _needs_root():
    """Overrides conftest's root gate: these checks read files only."""


# --- Markdown helpers ------------------------------------------------------------------------

FENCE = re.compile(r"^\s*(```|~~~)")


def prose_lines(text):
    """(line number, line) outside fenced code blocks."""
    inside = False
    for n, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            yield n, line


def strip_inline_code(line):
    return re.sub(r"`[^`]*`", "", line)


def slug(heading):
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to '-'."""
    text = re.sub(r"`", "", heading.strip()).lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link keeps its text
    text = re.sub(r"[^\w\- ]", "", text)  # \w is Unicode-aware, as GitHub's is
    return text.replace(" ", "-")


def anchors(path):
    seen = {}
    out = set()
    for _, line in prose_lines(path.read_text()):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        k = seen.get(base, 0)
        seen[base] = k + 1
        out.add(base if k == 0 else f"{base}-{k}")
    for m in re.finditer(r'<a\s+(?:name|id)="([^"]+)"', path.read_text()):
        out.add(m.group(1))
    return out


LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)")


def links(path):
    """(line number, target) of every Markdown link outside code."""
    for n, line in prose_lines(path.read_text()):
        line = strip_inline_code(line)
        for m in LINK.finditer(line):
            yield n, m.group(1)
        m = REF_DEF.match(line)
        if m:
            yield n, m.group(1)
        for m in re.finditer(r'<a\s+href="([^"]+)"', line):
            yield n, m.group(1)


def is_external(target):
    return re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) is not None


# --- (a) schema keys <-> docs/topology.md key tables ---------------------------------------------

def resolve(schema, pointer):
    if not pointer.startswith("#"):
        raise ValueError(f"schema pointer {pointer!r} must start with '#'")
    node = schema
    for part in [p for p in pointer[1:].split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def properties(schema, obj, seen=()):
    """The property names of a schema object, its $ref (and allOf) followed."""
    keys = set(obj.get("properties", {}))
    ref = obj.get("$ref")
    if ref and ref not in seen:
        keys |= properties(schema, resolve(schema, ref), seen + (ref,))
    for sub in obj.get("allOf", []):
        keys |= properties(schema, sub, seen)
    return keys


def objects_with_properties(node, pointer="#"):
    """Pointers of every object in the schema that declares `properties`, however deep."""
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            yield pointer
        for k, v in node.items():
            esc = k.replace("~", "~0").replace("/", "~1")
            yield from objects_with_properties(v, f"{pointer}/{esc}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from objects_with_properties(v, f"{pointer}/{i}")


def key_tables(text):
    """[(line, [pointers], [keys])] for each table under a `<!-- schema: ... -->` comment."""
    lines = text.splitlines()
    tables = []
    for i, line in enumerate(lines):
        m = re.match(r"^\s*<!--\s*schema:\s*(.*?)\s*-->\s*$", line)
        if not m:
            continue
        pointers = m.group(1).split()
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        rows = []
        while j < len(lines) and lines[j].lstrip().startswith("|"):
            rows.append(lines[j])
            j += 1
        assert len(rows) >= 3, f"docs/topology.md:{i + 1}: a schema comment must be followed by a table"
        header = [c.strip() for c in rows[0].strip().strip("|").split("|")]
        assert header[0] == "key", f"docs/topology.md:{i + 1}: a key table's first column is 'key', got {header[0]!r}"
        keys = []
        for row in rows[2:]:
            first = row.strip().strip("|").split("|")[0].strip()
            m2 = re.fullmatch(r"`([^`]+)`", first)
            assert m2, f"docs/topology.md: row {row!r}: the key must be one name in backticks"
            keys.append(m2.group(1))
        tables.append((i + 1, pointers, keys))
    return tables


def test_topology_tables_match_the_schema():
    schema = json.loads(SCHEMA_PATH.read_text())
    tables = key_tables((DOCS / "topology.md").read_text())
    assert tables, "docs/topology.md has no <!-- schema: ... --> key tables"
    problems = []
    covered = set()
    for line, pointers, keys in tables:
        want = set()
        for p in pointers:
            try:
                want |= properties(schema, resolve(schema, p))
            except (KeyError, TypeError, IndexError, ValueError):
                problems.append(f"line {line}: {p} names nothing in schema.json")
                continue
            covered.add(p)
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            problems.append(f"line {line}: keys listed twice: {sorted(dup)}")
        if missing := want - set(keys):
            problems.append(f"line {line} ({' '.join(pointers)}): schema keys not documented: {sorted(missing)}")
        if extra := set(keys) - want:
            problems.append(f"line {line} ({' '.join(pointers)}): documented keys not in the schema: {sorted(extra)}")
    for p in objects_with_properties(schema):
        if p not in covered:
            problems.append(f"schema object {p} (keys {sorted(resolve(schema, p)['properties'])}) has no key table")
    assert not problems, "docs/topology.md and topologies/schema.json disagree:\n" + "\n".join(problems)


# --- (b) nothing outside the repository --------------------------------------------------------

@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_link_outside_the_repository(page):
    problems = []
    text = page.read_text()
    for n, line in enumerate(text.splitlines(), 1):
        if re.search(r"(\.\./)+shared\b|/work/shared", line):
            problems.append(f"{page.name}:{n}: mentions the shared spec outside the repository: {line.strip()}")
    for n, target in links(page):
        if target.startswith("file:"):
            problems.append(f"{page.name}:{n}: file: link {target}")
            continue
        if is_external(target) or target.startswith("#"):
            continue
        path = urllib.parse.unquote(target.split("#", 1)[0])
        if path.startswith("/"):
            problems.append(f"{page.name}:{n}: absolute path {target}")
            continue
        resolved = (page.parent / path).resolve()
        if resolved != ROOT and ROOT not in resolved.parents:
            problems.append(f"{page.name}:{n}: {target} leaves the repository")
    assert not problems, "\n".join(problems)


# --- (c) relative links and anchors resolve ------------------------------------------------------

@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page):
    problems = []
    for n, target in links(page):
        if is_external(target):
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / urllib.parse.unquote(path)).resolve() if path else page
        if not dest.exists():
            problems.append(f"{page.name}:{n}: {target}: {dest.relative_to(ROOT) if ROOT in dest.parents else dest} does not exist")
            continue
        if anchor:
            if dest.is_dir() or dest.suffix != ".md":
                problems.append(f"{page.name}:{n}: {target}: an anchor into something that is not a Markdown page")
            elif anchor not in anchors(dest):
                problems.append(f"{page.name}:{n}: {target}: no heading #{anchor} in {dest.name}")
    assert not problems, "\n".join(problems)


def test_every_docs_page_is_linked_from_the_readme():
    targets = {t.split("#")[0] for _, t in links(README)}
    missing = [p.name for p in sorted(DOCS.glob("*.md")) if f"docs/{p.name}" not in targets]
    assert not missing, f"README.md links to no docs/ page named {missing}"


# --- (d) the README stays short, and keeps what tests run from it --------------------------------

def test_readme_is_short():
    n = len(README.read_text().splitlines())
    assert n <= 350, f"README.md has {n} lines (at most 350: the rest belongs in docs/)"


def test_readme_keeps_the_examples_test_rootless_runs():
    """tests/python/test_rootless.py::test_readme_examples_as_an_ordinary_user runs the README's
    CLI tour commands and its Python example as written; they must still be there."""
    text = README.read_text()
    for command in ("# lab up topologies/triangle.json", "# lab status triangle",
                    "# lab exec triangle r1 -- ping -c1 10.0.0.3"):
        assert re.search(r"^" + re.escape(command) + r"\s*$", text, re.M), f"README.md lost {command!r}"
    python = ['>>> with nslab.Lab.from_file("topologies/triangle.json") as lab:',
              "...     print(lab.ping_all())", '...     print(lab["r1"].addresses())']
    for line in python:
        assert line in text.splitlines(), f"README.md lost the Python example line {line!r}"
    assert "ci/demo.sh" in text and "ci/test.sh" in text, "README.md lost the two commands"
