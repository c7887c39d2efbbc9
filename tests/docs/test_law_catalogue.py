"""The law catalogue (`docs/law/`) is the project's own reference: every rule cited anywhere resolves there.

What counts (the same words are in `docs/law/README.md`, "Citing a rule"):

- **A rule id**: a prefix `A`, `D`, `G`, `OP`, `S`, `T` or `TM`, a hyphen and two or three digits, standing
  alone: not glued to a letter, digit, hyphen or dot on either side (`A-41`, `OP-02`, `TM-16`, `A-114`).
  Not ids: `IST-12` (glued), `TM-1` (one digit: every catalogue id has at least two), `SHA-256`,
  `2026-03-02`, `HTTP 409`, `TR…` IBANs.
- **A range**: two rule ids joined by `…`, `...`, `–` or `—` (`S-12 … S-22`). Both ends are citations and must
  be defined; the ends must share their prefix and ascend. The ids between need not all exist (blocks have
  gaps by design: A-10 is followed by A-20).
- **A research-sheet id**: `rs:` + id (`rs:A-40`, `rs:P-02`): defined in `docs/law/sources/legal-rules.md`.
  These are not catalogue ids (the sheet numbers its rules its own way), so a bare `A-40` never resolves
  against the sheet.
- **A source document**: `seed NNN` (`seed 000`): a file `docs/law/sources/seeds/NNN_*.txt`.

Where: every text file found by walking the repository from its root (code, tests, templates, rule tables,
scripts, docs, the README), except the verbatim source documents under `docs/law/sources/` (their own
numbering), vendored third-party files and ignored/generated folders. Walking (not a fixed list) keeps the
check working when files move.

A definition: a line of a Markdown file of `docs/law/` (outside `sources/`) that starts with `**ID · ` (a rule
paragraph) or a table row whose first cell is the id (`| S-09 |`). Each id is defined exactly once (G-10:
ids are never reused). A citation of a withdrawn id (its definition says "withdrawn") outside the catalogue
is an error too.

The same walk checks every relative link (and `#anchor`) of every Markdown file, that nothing points at
the brief's folder outside the repository (a clone does not have it), that the catalogue's files are named
by their path in the repository, and that `docs/law/open-points.md` states the value each open point has
in the rule tables.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
LAW = ROOT / "docs" / "law"
SOURCES = LAW / "sources"
RESEARCH_SHEET = SOURCES / "legal-rules.md"
SEEDS = SOURCES / "seeds"
OPEN_POINTS = LAW / "open-points.md"

SKIP_DIRS = {".git", ".venv", "venv", "var", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
             ".hypothesis", "node_modules", "build", "dist", "test-results"}
SKIP_PATHS = {"web/static/vendor"}  # third-party files, not ours to cite in
BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".pdf", ".woff", ".woff2", ".ttf", ".otf",
                   ".gz", ".zip", ".db", ".sqlite", ".sqlite3", ".pyc"}

PREFIXES = ("A", "D", "G", "OP", "S", "TM", "T")
_ID = r"(?:" + "|".join(PREFIXES) + r")-\d{2,3}"
# Alone: no letter, digit, hyphen, dot or "rs:" right before; no letter, digit, "-letter/digit" or ".digit"
# after (`OP-02-x` is a name, not a citation).
ID_RE = re.compile(r"(?<![\w.\-])(?<!rs:)(" + _ID + r")(?![\w]|-\w|\.\d)")
RANGE_RE = re.compile(r"(?<![\w.\-])(?<!rs:)(" + _ID + r")\s*(?:…|\.\.\.|–|—)\s*(" + _ID + r")(?![\w]|-\w|\.\d)")
RS_RE = re.compile(r"\brs:([A-Z]{1,2}-\d{2,3})(?![\w]|-\d)")
SEED_RE = re.compile(r"\bseeds? (\d{3})\b", re.IGNORECASE)

DEF_PARAGRAPH_RE = re.compile(r"^\*\*(" + _ID + r") · ")
DEF_ROW_RE = re.compile(r"^\|\s*(" + _ID + r")\s*\|")
WITHDRAWN_RE = re.compile(r"^(?:\*\*" + _ID + r" · |\|\s*" + _ID + r"\s*\|\s*)withdrawn\b", re.IGNORECASE)
RS_DEF_RE = re.compile(r"^\s*(?:[-*]\s+)?\*\*([A-Z]{1,2}-\d{2,3})\b|^\|\s*([A-Z]{1,2}-\d{2,3})\s*\|")

# The catalogue's files, which must be named by their path in the repository wherever they are mentioned.
LAW_NAME_RE = re.compile(
    r"(?<![\w./\-])(?P<path>(?:[\w.\-]+/)*)"
    r"(?P<name>api-contract|auction-rules|open-points|distribution-contract|taxes-and-fees|legal-rules"
    r"|examples/README|distribution(?=\.md))(?P<ext>\.md)?(?![\w\-])")
OUTSIDE_RE = re.compile(r"\.\./shared|/work/shared|\bshared/(?:domain|seeds|background|api-contract)")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def walk_text_files() -> Iterator[tuple[str, str]]:
    """Every text file of the repository as (path relative to the root, text), found by walking it."""
    for dirpath, dirnames, filenames in os.walk(ROOT):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")
                             and rel(here / d) not in SKIP_PATHS)
        for name in sorted(filenames):
            path = here / name
            if name == ".git" or path.suffix.lower() in BINARY_SUFFIXES or not path.is_file():  # a worktree's .git
                continue
            data = path.read_bytes()
            if b"\0" in data:
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            yield rel(path), text


def is_source(relpath: str) -> bool:
    return relpath.startswith(rel(SOURCES) + "/")


def in_catalogue(relpath: str) -> bool:
    return relpath.startswith(rel(LAW) + "/") and not is_source(relpath)


# --- citations ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cite:
    path: str
    line: int
    kind: str  # "id", "range", "rs", "seed"
    value: str

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def citations(relpath: str, text: str) -> Iterator[Cite]:
    for number, line in enumerate(text.splitlines(), 1):
        for m in ID_RE.finditer(line):
            yield Cite(relpath, number, "id", m.group(1))
        for m in RANGE_RE.finditer(line):
            yield Cite(relpath, number, "range", f"{m.group(1)} … {m.group(2)}")
        for m in RS_RE.finditer(line):
            yield Cite(relpath, number, "rs", m.group(1))
        for m in SEED_RE.finditer(line):
            yield Cite(relpath, number, "seed", m.group(1))


def all_citations() -> list[Cite]:
    # This file is left out: its examples are made up on purpose (undefined ids, bad ranges).
    return [c for path, text in walk_text_files() if not is_source(path) and path != rel(Path(__file__))
            for c in citations(path, text)]


def split_id(rule_id: str) -> tuple[str, int]:
    prefix, number = rule_id.split("-")
    return prefix, int(number)


# --- definitions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    rule_id: str
    path: str
    line: int
    text: str

    @property
    def withdrawn(self) -> bool:
        """G-10: a dropped rule keeps its id, titled "Withdrawn" (`**A-44 · Withdrawn …`, `| S-25 | withdrawn |`)."""
        return bool(WITHDRAWN_RE.match(self.text))


def catalogue_markdown() -> list[tuple[str, str]]:
    return [(p, t) for p, t in walk_text_files() if in_catalogue(p) and p.endswith(".md")]


def definitions() -> dict[str, list[Definition]]:
    found: dict[str, list[Definition]] = defaultdict(list)
    for path, text in catalogue_markdown():
        fence = False
        for number, line in enumerate(text.splitlines(), 1):
            if line.lstrip().startswith(("```", "~~~")):
                fence = not fence
            if fence:
                continue
            m = DEF_PARAGRAPH_RE.match(line) or DEF_ROW_RE.match(line)
            if m:
                found[m.group(1)].append(Definition(m.group(1), path, number, line))
    return found


def research_sheet_ids() -> set[str]:
    ids: set[str] = set()
    for line in RESEARCH_SHEET.read_text(encoding="utf-8").splitlines():
        m = RS_DEF_RE.match(line)
        if m:
            ids.add(m.group(1) or m.group(2))
    return ids


def seed_numbers() -> set[str]:
    return {p.name[:3] for p in SEEDS.glob("[0-9][0-9][0-9]_*.txt")}


def citation_problems(cites: list[Cite], defs: dict[str, list[Definition]]) -> list[str]:
    rs_ids = research_sheet_ids()
    seeds = seed_numbers()
    problems: list[str] = []
    for c in cites:
        if c.kind == "id":
            if c.value not in defs:
                problems.append(f"{c.where()}: {c.value} is not defined in docs/law/")
            elif not in_catalogue(c.path) and any(d.withdrawn for d in defs[c.value]):
                problems.append(f"{c.where()}: {c.value} is withdrawn (see its definition in docs/law/)")
        elif c.kind == "range":
            first, last = (part.strip() for part in c.value.split("…"))
            (p1, n1), (p2, n2) = split_id(first), split_id(last)
            if p1 != p2:
                problems.append(f"{c.where()}: range {c.value} mixes two blocks")
            elif n1 >= n2:
                problems.append(f"{c.where()}: range {c.value} does not ascend")
        elif c.kind == "rs" and c.value not in rs_ids:
            problems.append(f"{c.where()}: rs:{c.value} is not in docs/law/sources/legal-rules.md")
        elif c.kind == "seed" and c.value not in seeds:
            problems.append(f"{c.where()}: seed {c.value} is not in docs/law/sources/seeds/")
    return problems


# --- the checks -------------------------------------------------------------------------------------------


def test_every_cited_rule_is_defined_in_the_catalogue() -> None:
    problems = citation_problems(all_citations(), definitions())
    assert not problems, "cited but not defined (add the definition to docs/law/, or fix the id):\n" + "\n".join(
        problems)


def test_every_catalogue_id_is_defined_once() -> None:
    dupes = [f"{rule_id}: " + ", ".join(f"{d.path}:{d.line}" for d in defs)
             for rule_id, defs in sorted(definitions().items()) if len(defs) > 1]
    assert not dupes, "ids defined more than once (G-10: never reuse an id):\n" + "\n".join(dupes)


def test_the_walk_sees_citations_in_every_kind_of_file() -> None:
    """Guard against a check that passes because it reads nothing: the walk finds the citations of the
    code, the tests, the templates, the rule tables and the docs, and the catalogue defines every block."""
    cites = [c for c in all_citations() if c.kind == "id"]
    assert len(cites) > 1000
    by_kind = Counter(Path(c.path).suffix for c in cites)
    for suffix in (".py", ".html", ".toml", ".md"):
        assert by_kind[suffix] > 0, f"no citation found in any {suffix} file"
    assert any(c.path.startswith("tests/") for c in cites)
    assert any(c.path == "README.md" for c in cites)
    defined = {split_id(i)[0] for i in definitions()}
    assert defined == set(PREFIXES)
    assert len(definitions()) > 250


def test_what_counts_as_a_citation() -> None:
    def ids(line: str) -> list[tuple[str, str]]:
        return [(c.kind, c.value) for c in citations("x.py", line)]

    assert ids("# rule: A-41 / UNCERTAIN(OP-02)") == [("id", "A-41"), ("id", "OP-02")]
    assert ids("TM-16, S-09, D-17, T-06, G-08 and A-114.") == [
        ("id", "TM-16"), ("id", "S-09"), ("id", "D-17"), ("id", "T-06"), ("id", "G-08"), ("id", "A-114")]
    assert ids("(A-80/A-81)") == [("id", "A-80"), ("id", "A-81")]
    assert ids("S-12 … S-22") == [("id", "S-12"), ("id", "S-22"), ("range", "S-12 … S-22")]
    assert ids("T-44…T-46; D-30 ... D-34; S-01–S-11") == [
        ("id", "T-44"), ("id", "T-46"), ("id", "D-30"), ("id", "D-34"), ("id", "S-01"), ("id", "S-11"),
        ("range", "T-44 … T-46"), ("range", "D-30 … D-34"), ("range", "S-01 … S-11")]
    assert ids("the research sheet's rs:A-40 and rs:P-02") == [("rs", "A-40"), ("rs", "P-02")]
    assert ids("Ministry model (seed 000), Seed 002's example") == [("seed", "000"), ("seed", "002")]
    # Not rule ids: office codes, IBANs, hashes, dates, HTTP codes, one-digit labels, decimals, longer ids.
    for text in ("IST-12", "ANK-01", "TR330006100519786457841326", "SHA-256", "UTF-8", "2026-03-02T14:00",
                 "HTTP 409", "mektup_no TM-1", "%PDF-1.4", "A-1", "A-1234", "OP-02-x", "x.A-41", "T-10.5",
                 "OP-nn", "A-xx", "EN-301", "B-15"):
        assert ids(text) == [], text


def test_an_undefined_id_is_reported_with_file_and_line() -> None:
    """The check really fails: a new open point cited without a definition names the file and line."""
    defs = definitions()
    fresh = next(f"OP-{n:02d}" for n in range(1, 100) if f"OP-{n:02d}" not in defs)
    text = f"x = 1\n# UNCERTAIN({fresh}): a new point\n# also S-05 … S-03, A-20 … T-30, rs:Z-99, seed 999\n"
    problems = citation_problems(list(citations("auction/new.py", text)), defs)
    assert problems == [
        f"auction/new.py:2: {fresh} is not defined in docs/law/",
        "auction/new.py:3: range S-05 … S-03 does not ascend",
        "auction/new.py:3: range A-20 … T-30 mixes two blocks",
        "auction/new.py:3: rs:Z-99 is not in docs/law/sources/legal-rules.md",
        "auction/new.py:3: seed 999 is not in docs/law/sources/seeds/",
    ]
    withdrawn = {**defs, "A-41": [Definition("A-41", "docs/law/x.md", 1, "**A-41 · Withdrawn** (was …)")],
                 "S-25": [Definition("S-25", "docs/law/x.md", 2, "| S-25 | withdrawn | … |")]}
    assert citation_problems(list(citations("web/x.py", "A-41, S-25, S-02")), withdrawn) == [
        "web/x.py:1: A-41 is withdrawn (see its definition in docs/law/)",
        "web/x.py:1: S-25 is withdrawn (see its definition in docs/law/)"]
    # The catalogue itself may name a withdrawn id (its own definition, a note on what replaced it).
    assert citation_problems(list(citations("docs/law/x.md", "A-41")), withdrawn) == []


# --- Markdown links ----------------------------------------------------------------------------------------

FENCE_RE = re.compile(r"^(```|~~~)")
CODE_SPAN_RE = re.compile(r"(`+)(?:(?!\1).)+?\1")
LINK_RE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
HTML_LINK_RE = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)=\"([^\"]+)\"", re.IGNORECASE)
HEADING_RE = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
HTML_ANCHOR_RE = re.compile(r"<a\s[^>]*?\b(?:id|name)=\"([^\"]+)\"", re.IGNORECASE)
SCHEME_RE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.\-]*:|//)")


def prose_lines(text: str, *, keep_code_spans: bool = False) -> Iterator[tuple[int, str]]:
    """The lines of a Markdown text outside fenced code, inline code spans blanked out unless kept."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        m = FENCE_RE.match(line.lstrip())
        if m:
            fence = None if fence == m.group(1) else (fence or m.group(1))
            continue
        if fence is None:
            yield number, line if keep_code_spans else CODE_SPAN_RE.sub("", line)


def github_slug(heading: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors_of(text: str) -> set[str]:
    found: set[str] = set()
    seen: Counter[str] = Counter()
    for _, line in prose_lines(text, keep_code_spans=True):  # a heading's code counts in its slug
        m = HEADING_RE.match(line)
        if m:
            slug = github_slug(m.group(1))
            found.add(slug if seen[slug] == 0 else f"{slug}-{seen[slug]}")
            seen[slug] += 1
        found.update(HTML_ANCHOR_RE.findall(line))
    return found


def link_problems(relpath: str, text: str, read: Callable[[Path], str] | None = None) -> list[str]:
    reader: Callable[[Path], str] = read or (lambda p: p.read_text(encoding="utf-8"))
    here = (ROOT / relpath).parent
    problems = []
    for number, line in prose_lines(text):
        targets = LINK_RE.findall(line) + HTML_LINK_RE.findall(line)
        m = REF_DEF_RE.match(line)
        if m:
            targets.append(m.group(1))
        for target in targets:
            if not target or SCHEME_RE.match(target):
                continue
            where = f"{relpath}:{number}: {target}"
            path_part, _, anchor = target.partition("#")
            if not path_part:  # an anchor of this very file
                if unquote(anchor) not in anchors_of(text):
                    problems.append(f"{where}: no heading or anchor #{anchor} in this file")
                continue
            dest = (here / unquote(path_part)).resolve()
            if not dest.is_relative_to(ROOT):
                problems.append(f"{where}: points outside the repository")
            elif not dest.exists():
                problems.append(f"{where}: no such file or folder")
            elif anchor and dest.suffix == ".md" and unquote(anchor) not in anchors_of(reader(dest)):
                problems.append(f"{where}: no heading or anchor #{anchor} in {rel(dest)}")
    return problems


def test_every_relative_link_in_markdown_resolves() -> None:
    files = [(p, t) for p, t in walk_text_files() if p.endswith(".md")]
    assert any(p.startswith("docs/law/") for p, _ in files) and any(p == "README.md" for p, _ in files)
    problems = [problem for path, text in files for problem in link_problems(path, text)]
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_link_check_catches_what_it_should() -> None:
    text = ("# Title\n\n## Sale states (S-table)\n\nSee [rules](auction-rules.md#a-41), [here](#title),\n"
            "[states](#sale-states-s-table), [gone](nope.md), [bad anchor](#nowhere),\n"
            "[out](../../../../elsewhere/x.md), [web](https://example.org/x.md), `[code](nope.md)`\n"
            "```\n[fenced](nope.md)\n```\n[ref]: missing.md\n")
    problems = link_problems("docs/law/sample.md", text, read=lambda p: "## A-41\n")
    assert problems == [
        "docs/law/sample.md:6: nope.md: no such file or folder",
        "docs/law/sample.md:6: #nowhere: no heading or anchor #nowhere in this file",
        "docs/law/sample.md:7: ../../../../elsewhere/x.md: points outside the repository",
        "docs/law/sample.md:11: missing.md: no such file or folder",
    ], problems
    wrong_anchor = link_problems("docs/law/sample.md", "[x](auction-rules.md#a-99)", read=lambda p: "## A-41\n")
    assert wrong_anchor == ["docs/law/sample.md:1: auction-rules.md#a-99: no heading or anchor #a-99 in "
                            "docs/law/auction-rules.md"]
    assert github_slug("5. Teminat") == "5-teminat"
    assert github_slug("Distribution contract (paylaştırma and sıra cetveli)") == (
        "distribution-contract-paylaştırma-and-sıra-cetveli")
    assert github_slug("`esatis`: the **outside** surfaces") == "esatis-the-outside-surfaces"
    assert "live-updates-ws-wslotslot_idafter_seqn" in anchors_of("## Live updates: `WS /ws/lots/{lot_id}?after_seq=N`")
    assert anchors_of("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


# --- nothing points outside; the catalogue's files by their path -------------------------------------------


def test_nothing_points_at_the_shared_folder_a_clone_does_not_have() -> None:
    problems = [f"{path}:{number}: {line.strip()[:120]}"
                for path, text in walk_text_files() if not path.endswith("test_law_catalogue.py")
                for number, line in enumerate(text.splitlines(), 1) if OUTSIDE_RE.search(line)]
    assert not problems, "points outside the repository (use docs/law/ or docs/api-contract.md):\n" + "\n".join(
        problems)


def name_problems(relpath: str, text: str) -> list[str]:
    here = (ROOT / relpath).parent
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        for m in LAW_NAME_RE.finditer(line):
            name = m.group("path") + m.group("name")
            if not m.group("ext"):
                home = "docs" if m.group("name") == "api-contract" else "docs/law"
                problems.append(f"{relpath}:{number}: {name}: name the file by its path ({home}/{m.group('name')}.md)")
            elif not ((ROOT / f"{name}.md").is_file() or (here / f"{name}.md").is_file()):
                problems.append(f"{relpath}:{number}: {name}.md: no such file from the repository root"
                                + (" or from this folder" if relpath.endswith(".md") else ""))
    return problems


def test_the_catalogue_files_are_named_by_their_repository_path() -> None:
    """`auction-rules.md` alone in a comment sends a reader hunting: say `docs/law/auction-rules.md` (from
    the root), or a path relative to the Markdown file that mentions it."""
    problems = [problem for path, text in walk_text_files()
                if not is_source(path) and not path.endswith("test_law_catalogue.py")
                for problem in name_problems(path, text)]
    assert not problems, "\n".join(problems)


def test_name_check_examples() -> None:
    assert name_problems("auction/x.py", "# docs/law/auction-rules.md §12, docs/api-contract.md") == []
    assert name_problems("docs/auction.md", "see law/open-points.md and api-contract.md") == []
    assert name_problems("auction/x.py", "# auction-rules.md §12; (G-09, api-contract); domain/open-points.md") == [
        "auction/x.py:1: auction-rules.md: no such file from the repository root",
        "auction/x.py:1: api-contract: name the file by its path (docs/api-contract.md)",
        "auction/x.py:1: domain/open-points.md: no such file from the repository root",
    ]
    assert name_problems("tests/x.py", "the distribution.md rules; docs/law/examples/README.md") == [
        "tests/x.py:1: distribution.md: no such file from the repository root"]


# --- the open points state the value the code uses --------------------------------------------------------


def rule_table_rows() -> list[tuple[str, dict[str, Any]]]:
    rows = []
    for path, text in walk_text_files():
        if path.endswith(".toml") and "[[row]]" in text:
            rows += [(path, row) for row in tomllib.loads(text).get("row", [])]
    return rows


def render(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def open_point_blocks() -> dict[str, str]:
    """Each OP's text in docs/law/open-points.md, from its definition to the next one."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in OPEN_POINTS.read_text(encoding="utf-8").splitlines():
        m = DEF_PARAGRAPH_RE.match(line)
        if m or line.startswith("#"):
            current = m.group(1) if m else None
            if current:
                blocks[current] = []
        if current:
            blocks[current].append(line)
    return {k: "\n".join(v) for k, v in blocks.items()}


def test_open_points_state_the_value_the_rule_tables_give() -> None:
    """docs/law/open-points.md says, for every open point the code reads from a rule table, "`key` =
    `value`" with today's value: changing a default without the catalogue fails here."""
    rows = [(path, row) for path, row in rule_table_rows() if str(row.get("rule", "")).startswith("OP-")]
    assert len(rows) >= 30
    blocks = open_point_blocks()
    problems = []
    for path, row in rows:
        expected = f"`{row['key']}` = `{render(row['value'])}`"
        if expected not in blocks.get(row["rule"], ""):
            problems.append(f"{path}: {row['rule']} {row['key']}: docs/law/open-points.md should say {expected}")
    assert not problems, "\n".join(problems)
