"""The review page (`run --format html`): one self-contained HTML file for an editor checking a
machine translation before using it. `check --format html` writes the same page for a translation
nordtrans did not make (a `Result` whose stages hold only "check"): it then claims no machine
translation, names no model and has no summary.

Top to bottom: a banner when the output comes from the built-in random-weight test models, the
headline (English, the original under it) with the article's metadata, the language and the
models, the checks (errors first, each linking to its sentence), the summary with its figure
checks, then source and translation side by side, one row per paragraph (a line of the body),
every flagged figure or name marked in both columns. The page loads nothing: its style and
script are inline and allowed by hash only (Content-Security-Policy), and every piece of article
text is escaped, so a hostile article can neither run code nor fetch anything. The same `Result`
always gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from html import escape
from importlib import resources
from typing import Any

from pipeline.language.codes import language_name
from pipeline.render.plain import check_facts, language_line
from pipeline.render.spans import Aligned, Texts, markup, place_checks, severity_of
from pipeline.results import Result

#: What each check kind is called in the list.
KIND_LABELS = {
    "number_missing": "Figure missing",
    "number_changed": "Figure changed",
    "number_scale": "Wrong scale",
    "number_invented": "Figure not in the translation",
    "name_missing": "Name missing",
    "sentence_missing": "Sentence missing",
    "translation_empty": "Line not translated",
    "name_invented": "Name not in the translation",
    "summary_dropped": "Summary dropped",
}
#: More checks than this scroll inside their list on screen, so the text stays in reach.
LONG_LIST = 10
_STAGE_LABELS = {"translate": "Translation", "summarise": "Summary"}
_NOT_LISTED = ("title", "title_original")
_LINE = re.compile(r"[^\n]+")


def review_page(result: Result) -> str:
    """`result` as a self-contained HTML review page."""
    css = _asset("review_page.css")
    js = _asset("review_page.js")
    checks = list(enumerate(result.checks, start=1))
    texts = place_checks(result, checks)
    given = is_check(result)
    fallback = f"{language_name(result.language.code)} → English" if given else "Untitled article"
    title = str(result.metadata.get("title") or fallback)
    policy = (
        f"default-src 'none'; style-src '{_digest(css)}'; script-src '{_digest(js)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="nordtrans">',
        f"<title>{'Check' if given else 'Review'}: {escape(title)}</title>",
        f"<style>{css}</style>",
        "</head>",
        "<body>",
        _banner(result),
        '<main class="page">',
        _masthead(result, title),
        _failure(result),
        _checks_panel(result, checks, texts.links),
        _summary_panel(result, checks, texts),
        _columns(result, texts),
        "</main>",
        _FOOTER[given],
        f"<script>{js}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


_FOOTER = {
    False: '<footer class="page-footer">Machine translation and summary by nordtrans. Check '
    "names, figures and quotes against the original before publishing.</footer>",
    True: '<footer class="page-footer">Checks by nordtrans of a translation it did not make: '
    "they compare figures and names, not meaning or style. Check quotes against the original "
    "before publishing.</footer>",
}


def is_check(result: Result) -> bool:
    """True for the page of `check`: a given translation, checked, nothing translated here."""
    return "check" in result.stages and "translate" not in result.stages


def is_noise(result: Result, stage: str | None = None) -> bool:
    """True when `stage` (or any stage) ran on a built-in random-weight test model: its output
    is noise (and so is all that comes after it)."""
    models = [result.models.get(stage, {})] if stage else result.models.values()
    return any(str(m.get("id", "")).startswith("builtin:") for m in models)


# ---- the head of the page ---------------------------------------------------------------


def _banner(result: Result) -> str:
    if not is_noise(result):
        return ""
    ids = ", ".join(sorted({str(m["id"]) for m in result.models.values()
                            if str(m.get("id", "")).startswith("builtin:")}))  # fmt: skip
    # A summary of a noise translation is noise too, whatever model wrote it.
    what = "translation and the summary mean" if is_noise(result, "translate") else "summary means"
    return (
        '<div class="noise-banner" role="alert"><strong>Test models: output is noise.</strong> '
        f"This page was made with built-in random-weight models ({escape(ids)}); the {what} "
        "nothing. Use a real model profile for a usable review.</div>"
    )


def _masthead(result: Result, title: str) -> str:
    code = escape(result.language.code)
    original = result.metadata.get("title_original")
    facts = [(key.capitalize(), escape(str(value)))
             for key, value in result.metadata.items() if key not in _NOT_LISTED]  # fmt: skip
    facts.append(("Language", escape(language_line(result))))
    models = [(f"{_STAGE_LABELS.get(stage, stage.capitalize())} model", _model(model))
              for stage, model in result.models.items()]  # fmt: skip
    eyebrow = "Check of a given translation" if is_check(result) else "Translation review"
    facts += [(key.capitalize(), escape(value)) for key, value in check_facts(result)]
    head = [
        '<header class="masthead">',
        f'<p class="eyebrow">{eyebrow}</p>',
        f'<h1 lang="en">{escape(title)}</h1>',
    ]
    if original:
        head.append(f'<p class="title-original" lang="{code}">{escape(str(original))}</p>')
    for cls, rows in (("facts", facts), ("facts models", models)):
        if rows:
            items = "".join(f"<div><dt>{escape(k)}</dt><dd>{v}</dd></div>" for k, v in rows)
            head.append(f'<dl class="{cls}">{items}</dl>')
    head.append("</header>")
    return "\n".join(head)


def _model(model: dict[str, Any]) -> str:
    """ "id @ revision · backend", a commit hash cut to 12 digits (all of it on hover)."""
    out = f'<span class="model-id">{escape(str(model.get("id")))}</span>'
    revision = str(model.get("revision") or "")
    if revision:
        short = revision[:12] if re.fullmatch(r"[0-9a-f]{40}", revision) else revision
        out += f' @ <span class="revision" title="{escape(revision)}">{escape(short)}</span>'
    if model.get("backend"):
        out += f' · <span class="backend">{escape(str(model["backend"]))}</span>'
    return out


def _failure(result: Result) -> str:
    if result.error is None:
        return ""
    return (
        '<section class="panel failure" role="alert"><h2>This article failed</h2>'
        f"<p>{escape(result.error.kind)}: {escape(result.error.message)}</p></section>"
    )


def _checks_panel(result: Result, checks: list[tuple[int, dict]], links: dict[int, str]) -> str:
    if "translate" not in result.stages and not is_check(result) and not checks:
        return ""
    errors = sum(1 for _, c in checks if c.get("severity") == "error")
    warnings = len(checks) - errors
    counts = "".join(
        f'<span class="count {level if count else "none"}">{count} {level}{"s" * (count != 1)}'
        "</span>"
        for level, count in (("error", errors), ("warning", warnings))
    )
    out = [
        '<section class="panel checks" id="checks" aria-labelledby="checks-title">',
        f'<h2 id="checks-title">Checks {counts if checks else ""}</h2>',
    ]
    if not checks:
        skipped = result.stages.get("translate", {}).get("skipped")
        why = "The article is in English: nothing was translated." if skipped else (
            "No figure or name went missing or changed."
        )  # fmt: skip
        out.append(f'<p class="all-clear">{why}</p>')
    else:
        out.append('<p class="hint">Click a check to see its sentence in both columns.</p>')
        long = " long" if len(checks) > LONG_LIST else ""
        out.append(f'<ol class="check-list{long}">')
        out += [_check_item(n, c, links.get(n)) for n, c in checks]
        out.append("</ol>")
    out.append("</section>")
    return "\n".join(out)


def _check_item(n: int, check: dict[str, Any], link: str | None) -> str:
    severity = severity_of(check)
    kind = KIND_LABELS.get(str(check.get("kind")), str(check.get("kind")))
    stage = _STAGE_LABELS.get(str(check.get("stage")), str(check.get("stage")))
    body = (
        f'<span class="num">{n}</span>'
        f'<span class="severity">{severity.capitalize()}</span>'
        f'<span class="message">{escape(str(check.get("message", "")))}</span>'
        f'<span class="kind">{escape(kind)} · {escape(stage)}</span>'
    )
    tag = f'<a href="#{link}" data-n="{n}">{body}</a>' if link else f"<div>{body}</div>"
    return f'<li class="check {severity}" id="check-{n}">{tag}</li>'


def _summary_panel(result: Result, checks: list[tuple[int, dict]], texts: Texts) -> str:
    if result.summary is None:
        return ""
    own = [(n, c) for n, c in checks if c.get("stage") == "summarise"]
    noise = ' <span class="noise-tag">noise</span>' if is_noise(result) else ""
    text = markup(texts.summary, 0, len(texts.summary), texts.spans["summary"])
    if own:
        items = "".join(
            f'<li class="{escape(str(c.get("severity")))}"><a href="#check-{n}">{n}</a> '
            f"{escape(str(c.get('message', '')))}</li>"
            for n, c in own
        )
        verdict = f'<ul class="summary-checks">{items}</ul>'
    else:
        verdict = (
            '<p class="all-clear">Every name and figure in the summary is in the translation.</p>'
        )
    return (
        '<section class="panel summary" aria-labelledby="summary-title">'
        f'<h2 id="summary-title">Summary{noise} <span class="aside">machine-written from the '
        f'English text</span></h2><p class="summary-text" lang="en">{text}</p>{verdict}</section>'
    )


# ---- the two columns --------------------------------------------------------------------


def _columns(result: Result, texts: Texts) -> str:
    if not texts.body:
        return ""
    code = result.language.code
    translated = bool(texts.translation) and not result.stages.get("translate", {}).get("skipped")
    rows = _rows(texts.body, texts.translation, result.alignment) if translated else [
        (extent, None) for extent in _lines(texts.body)
    ]  # fmt: skip
    source_label = f"Original · {language_name(code)}"
    if not translated:
        source_label += " (not translated)" if result.translation is not None else ""
    head = f'<div class="col-head src-head">{escape(source_label)}</div>'
    if translated:
        noise = ' <span class="noise-tag">noise</span>' if is_noise(result, "translate") else ""
        how = "given" if is_check(result) else "machine"
        head += f'<div class="col-head tgt-head">Translation · English ({how}){noise}</div>'
    # `check` by lines numbers the rows by their line in the files, blank lines counted.
    by_line = is_check(result) and result.stages["check"].get("aligned") == "lines"
    layout = ("two" if translated else "one") + (" by-lines" if by_line else "")
    out = [
        f'<section class="text {layout}" aria-label="Article text">',
        f'<div class="row head"><div class="pnum"></div>{head}</div>',
    ]
    for index, (src, tgt) in enumerate(rows, start=1):
        found = {s.severity for s in texts.spans["body"] if src[0] <= s.start < src[1]}
        if tgt is not None:
            found |= {s.severity for s in texts.spans["translation"]
                      if tgt[0] <= s.start < tgt[1]}  # fmt: skip
        flag = next((f" flag-{level}" for level in ("error", "warning") if level in found), "")
        cells = (
            f'<div class="src" lang="{escape(code)}" data-label="Original">'
            f"{markup(texts.body, *src, texts.spans['body'])}</div>"
        )
        if translated:
            inner = markup(texts.translation, *tgt, texts.spans["translation"]) if tgt else ""
            cells += f'<div class="tgt" lang="en" data-label="English">{inner}</div>'
        number = texts.body.count("\n", 0, src[0]) + 1 if by_line else index
        out.append(
            f'<div class="row{flag}" id="p{index}"><div class="pnum">{number}</div>{cells}</div>'
        )
    out.append("</section>")
    return "\n".join(out)


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: each line that is not blank, as the translator sees it."""
    return [(m.start(), m.end()) for m in _LINE.finditer(text) if m.group().strip()]


def _rows(
    body: str, translation: str, alignment: Sequence[Aligned]
) -> list[tuple[tuple[int, int], tuple[int, int] | None]]:
    """Each source paragraph with its translation: from the alignment when there is one, else
    line by line, else (lines that do not pair up) the whole text in one row."""
    sources = _lines(body)
    if alignment:
        targets: list[tuple[int, int] | None] = []
        for index in range(len(sources)):
            spans = [a.target for a in alignment if a.paragraph == index]
            targets.append((spans[0][0], spans[-1][1]) if spans else None)
        return list(zip(sources, targets, strict=True))
    lines = _lines(translation)
    if len(lines) == len(sources):
        return list(zip(sources, lines, strict=True))
    return [((0, len(body)), (0, len(translation)))]


def _asset(name: str) -> str:
    return resources.files("pipeline.render").joinpath(name).read_text(encoding="utf-8")


def _digest(text: str) -> str:
    """A CSP source for an inline <style> or <script> holding exactly `text`."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
