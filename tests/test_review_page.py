"""The HTML review page: structure, exact highlights, escaping, self-containment, and one look at
it in a real browser."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

from pipeline import Pipeline
from pipeline.cache import DiskCache
from pipeline.config import load_profile
from pipeline.language.codes import Language
from pipeline.render import render
from pipeline.results import Result
from pipeline.text.document import split_document

from .conftest import CONFIG, ROOT, article
from .test_checks import SEED_EN

# ---- fixtures: a realistic review (the real pipeline, a translator that knows the answers) ----

SEED_TITLE = ("Japans forsvarsminister på historisk besøk i Tyrkia",
              "Japan's defence minister on historic visit to Turkey")  # fmt: skip
# SEED_EN with a scale slip (an error), a dropped figure and a dropped name (warnings).
BROKEN_EN = (
    SEED_EN.replace("8.8 trillion", "8.8 billion")
    .replace("more than 90 minutes", "over an hour and a half")
    .replace("the Turkish social media platform NSosyal", "a Turkish platform")
)
# A summary with one figure the translation does not have.
SUMMARY = (
    "Japanese Defence Minister Gen Nakatani visited Turkey this week with 35 officials, the "
    "first such visit. Tokyo plans to set aside 200 billion yen ($1.4bn) from its 2026 budget "
    "for drones, and Baykar's combat-proven drones have drawn particular interest."
)


class Lookup:
    """A 'translator' that knows each sentence's translation (and a summariser that knows the
    summary), named like the real backend."""

    name = "ctranslate2"
    max_input_tokens = 512

    def __init__(self, answers: dict[str, str], summary: str) -> None:
        self.answers, self.summary = answers, summary

    def count_tokens(self, texts):
        return [len(t.split()) + 1 for t in texts]

    def generate(self, texts, settings):
        return [self.answers.get(t, self.summary) for t in texts]


def sentence_pairs(source: str, english: str) -> dict[str, str]:
    """Each source sentence → its English sentence (the two texts split alike)."""
    src, tgt = split_document(source, "nb"), split_document(english, "en")
    pairs = {}
    for p, q in zip(src.paragraphs, tgt.paragraphs, strict=True):
        pairs.update(zip(src.sentences(p), tgt.sentences(q), strict=True))
    return pairs


def seed_result(
    tmp_path: Path,
    english: str = BROKEN_EN,
    *,
    title: tuple[str, str] = SEED_TITLE,
    extra: str = "",
    summary: str = SUMMARY,
) -> Result:
    """The seed article, headline added, through the real pipeline with `english` as its
    translation and `summary` as its summary: real alignment, real checks. `extra` is a last
    paragraph, the same in both languages."""
    text = article("seed-defence-visit.txt").replace(
        "date 2025-08-21", f"date 2025-08-21\ntitle {title[0]}\nsection Forsvar\n\n", 1
    )
    body = text.split("\n\n", 1)[1].strip()
    if extra:
        text, body, english = (f"{t.rstrip()}\n{extra}" for t in (text, body, english))
    answers = sentence_pairs(body, english.strip()) | {title[0]: title[1]}
    lookup = Lookup(answers, summary)
    pipe = Pipeline(
        load_profile(CONFIG, "default"),
        cache=DiskCache(tmp_path / "cache"),
        backends={"translate": lookup, "summarise": lookup},
    )
    return pipe.run(text)


@pytest.fixture
def seed(tmp_path) -> Result:
    return seed_result(tmp_path)


# ---- reading the page back ----------------------------------------------------------------


class Page(HTMLParser):
    """The page's elements as (tag, attributes, text inside, column) in document order."""

    VOID: ClassVar = {"meta", "br", "img", "link", "input", "hr"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.stack: list[dict] = []
        self.feed(html)
        self.close()
        assert not self.stack, f"unclosed elements: {[e['tag'] for e in self.stack]}"

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        column = next((e["column"] for e in reversed(self.stack) if e["column"]), None)
        for name in ("src", "tgt", "summary-text"):
            if name in classes.split():
                column = name
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "column": column}
        self.elements.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1]["tag"] == tag, f"</{tag}> closes the wrong element"
        self.stack.pop()

    def handle_data(self, data):
        for element in self.stack:
            element["text"] += data

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[dict]:
        return [
            e for e in self.elements
            if (tag is None or e["tag"] == tag)
            and (cls is None or cls in (e["attrs"].get("class") or "").split())
            and all(e["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]  # fmt: skip


def marks(page: Page, n: int) -> dict[str, list[str]]:
    """The text of check `n`'s marks, by column."""
    out: dict[str, list[str]] = {}
    for mark in page.find("mark", data_check=str(n)):
        out.setdefault(mark["column"], []).append(mark["text"])
    return out


# ---- structure ----------------------------------------------------------------------------


def test_both_columns_hold_each_paragraph(seed):
    page = Page(render(seed, "html"))
    rows = [e for e in page.find("div", cls="row") if "head" not in e["attrs"]["class"]]
    body_lines = [line for line in seed.source.split("\n") if line.strip()]
    english_lines = [line for line in seed.translation.split("\n") if line.strip()]
    assert len(rows) == len(body_lines) == 10
    sources = [e["text"] for e in page.find("div", cls="src")]
    targets = [e["text"] for e in page.find("div", cls="tgt")]
    assert sources == body_lines and targets == english_lines


def test_every_check_is_listed_and_marked_exactly_in_both_columns(seed):
    kinds = [(c["stage"], c["kind"], c["severity"]) for c in seed.checks]
    assert kinds == [
        ("translate", "number_scale", "error"),
        ("summarise", "number_invented", "error"),
        ("translate", "number_missing", "warning"),
        ("translate", "name_missing", "warning"),
    ]
    page = Page(render(seed, "html"))
    items = page.find("li", cls="check")
    severities = [i["attrs"]["class"].split()[1] for i in items]
    assert severities == ["error", "error", "warning", "warning"]
    for n, check in enumerate(seed.checks, start=1):
        assert check["message"] in items[n - 1]["text"]
        found = marks(page, n)
        if check["stage"] == "translate":
            assert found["src"] == [check["value"]]
            target = check["target"][slice(*check["target_span"])] if check["target_span"] else []
            assert found.get("tgt", []) == ([target] if target else [])
        else:
            assert found["summary-text"] == [check["value"]]
    scale = marks(page, 1)
    assert (scale["src"], scale["tgt"]) == (["8,8 billioner"], ["8.8 billion"])
    # Nothing stands in for a dropped figure or name: marked in the original only.
    assert (marks(page, 3), marks(page, 4)) == ({"src": ["90"]}, {"src": ["NSosyal"]})


def test_a_check_links_to_its_sentence_in_both_columns(seed):
    page = Page(render(seed, "html"))
    link = page.find("li", cls="check")[0]
    (anchor,) = [e for e in page.find("a") if e["attrs"].get("data-n") == "1"]
    (sentence,) = page.find(id=anchor["attrs"]["href"][1:])
    pair = sentence["attrs"]["data-s"]
    both = page.find("span", cls="s", data_s=pair)
    assert [e["column"] for e in both] == ["src", "tgt"]
    assert "8,8 billioner" in both[0]["text"] and "8.8 billion" in both[1]["text"]
    assert link["attrs"]["id"] == "check-1"


def test_summary_and_its_figure_check(seed):
    page = Page(render(seed, "html"))
    (summary,) = page.find("p", cls="summary-text")
    assert summary["text"] == SUMMARY
    (listed,) = page.find("ul", cls="summary-checks")
    assert "35" in listed["text"] and "not in the translation" in listed["text"]


def test_summary_scale_slip_is_marked_where_the_translation_has_the_real_figure(tmp_path):
    slipped = SUMMARY.replace(" with 35 officials", "").replace("200 billion", "200 million")
    result = seed_result(tmp_path, english=SEED_EN, summary=slipped)
    assert [(c["kind"], c["value"]) for c in result.checks] == [("number_scale", "200 million")]
    found = marks(Page(render(result, "html")), 1)
    assert found == {"summary-text": ["200 million"], "tgt": ["200 billion"]}


def test_headline_metadata_language_and_models(seed):
    html = render(seed, "html")
    page = Page(html)
    assert page.find("h1")[0]["text"] == SEED_TITLE[1]
    assert page.find("p", cls="title-original")[0]["text"] == SEED_TITLE[0]
    facts = {dt["text"]: dd["text"] for dt, dd in zip(page.find("dt"), page.find("dd"),
                                                       strict=True)}  # fmt: skip
    assert facts["Date"] == "2025-08-21" and facts["Section"] == "Forsvar"
    assert facts["Language"].startswith("Norwegian Bokmål (nb, confidence ")
    assert facts["Translation model"] == (
        "Helsinki-NLP/opus-mt-tc-big-gmq-en @ b243b46fc9e1 · ctranslate2"
    )
    assert facts["Summary model"] == "sshleifer/distilbart-cnn-12-6 @ refs/pr/18 · ctranslate2"
    assert page.find("span", cls="revision", title=seed.models["translate"]["revision"])
    assert not page.find(cls="noise-banner")


def test_forced_language_says_so():
    result = Result(language=Language("da", 1.0, forced=True), source="Hej.", translation="Hi.")
    facts = Page(render(result, "html")).find("dd")
    assert [f["text"] for f in facts] == ["Danish (da, given, not detected)"]


def test_banner_only_for_builtin_models(seed):
    assert not Page(render(seed, "html")).find(cls="noise-banner")
    seed.models["summarise"] = {"id": "builtin:tiny-bart", "revision": "builtin-v1",
                                "backend": "ctranslate2"}  # fmt: skip
    (banner,) = Page(render(seed, "html")).find(cls="noise-banner")
    assert "output is noise" in banner["text"] and "builtin:tiny-bart" in banner["text"]


def test_clean_translation_says_nothing_went_missing(tmp_path):
    result = seed_result(tmp_path, english=SEED_EN)
    assert [c["stage"] for c in result.checks] == ["summarise"]
    result.checks = []
    page = Page(render(result, "html"))
    assert not page.find("li", cls="check")
    assert "No figure or name went missing" in page.find(cls="all-clear")[0]["text"]


def test_english_article_is_one_column():
    result = Result(language=Language("en", 0.99), source="Hello there.\nSecond line.",
                    translation="Hello there.\nSecond line.",
                    stages={"translate": {"skipped": True}})  # fmt: skip
    page = Page(render(result, "html"))
    assert [e["text"] for e in page.find("div", cls="src")] == ["Hello there.", "Second line."]
    assert not page.find("div", cls="tgt")
    assert "nothing was translated" in page.find(cls="all-clear")[0]["text"]


# ---- safety -------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> & "quotes" \'too\''


def test_hostile_text_is_shown_as_text(tmp_path):
    hostile = seed_result(tmp_path, title=(HOSTILE, HOSTILE), extra=HOSTILE)
    hostile.summary = HOSTILE
    hostile.metadata["author"] = HOSTILE
    hostile.checks[0] = {**hostile.checks[0], "message": HOSTILE}
    html = render(hostile, "html")
    page = Page(html)
    assert html.count("<script>") == 1  # the page's own
    assert not page.find("img") and "onerror" not in {k for e in page.elements for k in e["attrs"]}
    assert page.find("h1")[0]["text"] == page.find("p", cls="title-original")[0]["text"] == HOSTILE
    assert page.find("div", cls="src")[-1]["text"] == HOSTILE
    assert page.find("div", cls="tgt")[-1]["text"] == HOSTILE
    assert page.find("p", cls="summary-text")[0]["text"] == HOSTILE
    assert page.find("mark", data_check="1")[0]["attrs"]["title"] == HOSTILE


def test_page_is_self_contained(seed):
    html = render(seed, "html")
    assert "http://" not in html and "https://" not in html
    for element in Page(html).elements:
        for name in ("src", "href", "action", "srcset", "data"):
            value = element["attrs"].get(name)
            assert value is None or value.startswith("#"), (element["tag"], name, value)
    assert "default-src 'none'" in html  # and the browser is told to fetch nothing


def test_output_is_deterministic(tmp_path, seed):
    assert render(seed, "html") == render(seed_result(tmp_path / "again"), "html")


# ---- end to end ---------------------------------------------------------------------------


SHORT = (
    "date 2026-01-02\ntitle Ny nettside for kommunen\n\n"
    "Kommunen lanserte en ny nettside i dag. Den kostet 2,5 millioner kroner.\n"
    "En leser skrev <script>alert(1)</script> i kommentarfeltet, og Oslo kommune svarte."
)


@pytest.mark.slow
def test_cli_run_html_with_tiny_models(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "run", "-", "--profile", "tiny", "--format", "html",
         "--config", str(CONFIG)],
        input=SHORT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = Page(done.stdout)
    (banner,) = page.find(cls="noise-banner")
    assert "builtin:tiny-marian" in banner["text"]
    assert page.find("p", cls="title-original")[0]["text"] == "Ny nettside for kommunen"
    assert len(page.find("div", cls="src")) == len(page.find("div", cls="tgt")) == 2
    assert "<script>alert(1)</script>" in page.find("div", cls="src")[1]["text"]
    assert done.stdout.count("<script>") == 1


# ---- in a real browser --------------------------------------------------------------------


def png_colours(data: bytes) -> tuple[int, int, set[tuple[int, int, int]]]:
    """(width, height, the RGB colours present) of an 8-bit RGB or RGBA PNG, stdlib only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = chunk if kind == b"IHDR" else header
        idat += [chunk] if kind == b"IDAT" else []
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth}/{colour}"
    size = 3 if colour == 2 else 4
    stride, raw = width * size, zlib.decompress(b"".join(idat))
    # Rows filtered "Sub" and "Up" are undone on whole rows at once, as big integers with
    # byte-wise addition (no carries between bytes); "Average" and "Paeth" byte by byte.
    low, high = (int.from_bytes(b * stride, "little") for b in (b"\x7f", b"\x80"))
    full = (1 << 8 * stride) - 1

    def add(x: int, y: int) -> int:
        return ((x & low) + (y & low)) ^ ((x ^ y) & high)

    colours: set[tuple[int, int, int]] = set()
    previous = bytes(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]
        if kind == 2:
            row = add(int.from_bytes(line, "little"), int.from_bytes(previous, "little"))
            line = row.to_bytes(stride, "little")
        elif kind == 1:
            row, shift = int.from_bytes(line, "little"), 8 * size
            while shift < 8 * stride:  # a running sum: prefix doubling
                row, shift = add(row, row << shift & full), shift * 2
            line = row.to_bytes(stride, "little")
        elif kind in (3, 4):
            line = _unfilter(kind, bytearray(line), previous, size)
        colours.update(zip(line[0::size], line[1::size], line[2::size], strict=True))
        previous = line
    return width, height, colours


def _unfilter(kind: int, line: bytearray, previous: bytes, size: int) -> bytes:
    for i in range(len(line)):
        a = line[i - size] if i >= size else 0
        b = previous[i]
        if kind == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
            continue
        c = previous[i - size] if i >= size else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return bytes(line)


def screenshot(html_path: Path, png: Path, profile: Path, size: str = "1280,2000") -> None:
    """Render `html_path` with headless chromium into `png`."""
    command = [
        "chromium", "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", f"--window-size={size}",
        f"--screenshot={png}", html_path.as_uri(),
    ]  # fmt: skip
    subprocess.run(command, capture_output=True, timeout=60, check=True)


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="no chromium on PATH (apt-get install chromium; .ci/run does)",
)
def test_page_renders_in_a_real_browser(seed, tmp_path):
    page = tmp_path / "review.html"
    page.write_text(render(seed, "html"), encoding="utf-8")
    png = tmp_path / "review.png"
    screenshot(page, png, tmp_path / "chromium")
    width, height, colours = png_colours(png.read_bytes())
    assert (width, height) == (1280, 2000)
    assert len(colours) > 200, f"the page looks blank ({len(colours)} colours)"
    # The highlights of an error (#fdd3cf) and of a warning (#fde7a8) are on screen.
    for mark in ((0xFD, 0xD3, 0xCF), (0xFD, 0xE7, 0xA8)):
        assert any(sum(abs(a - b) for a, b in zip(p, mark, strict=True)) < 6 for p in colours)


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="no chromium on PATH (apt-get install chromium; .ci/run does)",
)
def test_check_page_renders_in_a_real_browser(tmp_path):
    from pipeline import check_texts
    from pipeline.render import render_check

    english = SEED_EN.replace("more than 90", "more than 95").replace(
        "the Turkish social media platform NSosyal", "a Turkish platform"
    )
    report = check_texts(article("seed-defence-visit.txt"), english)
    assert (report.errors, report.warnings) == (1, 1)
    page = tmp_path / "check.html"
    page.write_text(render_check(report, "html"), encoding="utf-8")
    png = tmp_path / "check.png"
    screenshot(page, png, tmp_path / "chromium", size="1280,1200")
    width, height, colours = png_colours(png.read_bytes())
    assert (width, height) == (1280, 1200)
    assert len(colours) > 200, f"the page looks blank ({len(colours)} colours)"
    # Both highlights are on the first screen; no red test-model banner (#a61b12) anywhere.
    for mark in ((0xFD, 0xD3, 0xCF), (0xFD, 0xE7, 0xA8)):
        assert any(sum(abs(a - b) for a, b in zip(p, mark, strict=True)) < 6 for p in colours)
    assert (0xA6, 0x1B, 0x12) not in colours
