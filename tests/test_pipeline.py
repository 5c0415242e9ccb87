"""Orchestration with fake models: stages, caching, language routing, memory, chunking."""

from __future__ import annotations

import pytest

from pipeline import LanguageError
from pipeline.cache import DiskCache

from .conftest import article

NB = (
    "date 2026-01-02\ntitle Overskrift\n\n"
    "Regjeringen la fram budsjettet i dag. Det ble godt mottatt.\n\n"
    "Opposisjonen er kritisk til forslaget, og vil stemme imot."
)


def test_run_translates_each_sentence_and_keeps_paragraphs(fake_pipeline, fakes):
    translator, _ = fakes
    result = fake_pipeline().run(NB)
    assert result.language.code == "nb"
    # The headline is translated like a sentence, in the same model call; the original is kept.
    assert result.metadata == {
        "date": "2026-01-02", "title": "<en:Overskrift>", "title_original": "Overskrift"
    }  # fmt: skip
    assert result.translation.split("\n\n") == [
        "<en:Regjeringen la fram budsjettet i dag.> <en:Det ble godt mottatt.>",
        "<en:Opposisjonen er kritisk til forslaget, og vil stemme imot.>",
    ]
    assert len(translator.calls) == 1 and "Overskrift" in translator.inputs
    assert result.summary
    assert result.stages["translate"]["sentences_total"] == 3


def test_second_run_computes_nothing(fake_pipeline, fakes):
    translator, summariser = fakes
    pipe = fake_pipeline()
    first = pipe.run(NB)
    calls = (len(translator.calls), len(summariser.calls))
    second = fake_pipeline().run(NB)
    assert (len(translator.calls), len(summariser.calls)) == calls
    assert all(stage["cached"] for stage in second.stages.values())
    assert (second.translation, second.summary) == (first.translation, first.summary)


def test_new_checks_recompute_the_stage_but_decode_nothing(fake_pipeline, fakes, monkeypatch):
    # A change to the checks bumps the translate stage's version; the sentences it translated
    # before are still in the translation memory, so nothing goes to the model again.
    from pipeline.stages.translate import TranslateStage

    translator, _ = fakes
    first = fake_pipeline().run(NB)
    calls = len(translator.calls)
    monkeypatch.setattr(TranslateStage, "version", TranslateStage.version + "-next")
    second = fake_pipeline().run(NB)
    assert not second.stages["translate"]["cached"]
    assert second.stages["translate"]["sentences_translated"] == 0
    assert len(translator.calls) == calls and second.translation == first.translation


def test_translate_then_summarise_reuses_translation(fake_pipeline, fakes):
    translator, _ = fakes
    pipe = fake_pipeline()
    english = pipe.translate(NB)
    before = len(translator.calls)
    result = pipe.run(NB)
    assert len(translator.calls) == before
    assert result.stages["translate"]["cached"] and not result.stages["summarise"]["cached"]
    assert result.translation == english


def test_no_cache_recomputes(fake_pipeline, fakes):
    translator, _ = fakes
    pipe = fake_pipeline(cache=DiskCache(None))
    pipe.run(NB)
    pipe.run(NB)
    assert len(translator.calls) == 2


def test_english_article_skips_translation(fake_pipeline, fakes):
    translator, _ = fakes
    result = fake_pipeline().run(article("en-already-english.txt"))
    assert result.language.code == "en"
    assert result.stages["translate"]["skipped"] is True
    assert translator.calls == []
    assert result.translation.startswith("The Port of Oslo")


def test_unsupported_language_is_an_error_unless_forced(fake_pipeline):
    german = "Die Bundesregierung hat heute den Haushalt für das kommende Jahr vorgestellt."
    with pytest.raises(LanguageError, match=r"\(de\).*supported"):
        fake_pipeline().run(german)
    forced = fake_pipeline().run(german, language="nb")
    assert forced.language.code == "nb" and forced.stages["detect"]["forced"]


def test_english_quote_paragraph_is_kept_as_written(fake_pipeline, fakes):
    translator, _ = fakes
    text = article("nb-mixed-english-quote.txt")
    quote = next(line for line in text.splitlines() if line.startswith('"We believe'))
    result = fake_pipeline().run(text)
    assert quote in result.translation.splitlines()
    assert not any("We believe" in t for t in translator.inputs)


def test_edited_article_translates_only_changed_sentences(fake_pipeline, fakes):
    translator, _ = fakes
    paragraphs = [f"Dette er avsnitt nummer {i} i saken. Det har to setninger." for i in range(10)]
    paragraphs = [
        p.replace("to setninger", f"to setninger om tema {i}") for i, p in enumerate(paragraphs)
    ]
    pipe = fake_pipeline()
    pipe.run("\n\n".join(paragraphs))
    paragraphs[4] = "Dette avsnittet er skrevet om. Nå har det nytt innhold."
    translator.calls.clear()
    result = pipe.run("\n\n".join(paragraphs))
    assert translator.inputs == ["Dette avsnittet er skrevet om.", "Nå har det nytt innhold."]
    assert result.stages["translate"]["sentences_total"] == 20
    assert result.stages["translate"]["sentences_translated"] == 2


def test_long_sentence_is_split_to_fit_not_truncated(fake_pipeline, fakes):
    translator, _ = fakes
    translator.max_input_tokens = 20
    words = [f"ord{i}," if i % 7 == 6 else f"ord{i}" for i in range(300)]
    result = fake_pipeline().run("Denne setningen er lang: " + " ".join(words) + ".", language="nb")
    assert all(len(t.split()) + 1 <= 20 for t in translator.inputs)
    sent = " ".join(translator.inputs).split()
    assert sent.count("ord299.") == 1 and len(sent) == 304  # every word, once
    assert result.translation.count("<en:") == len(translator.inputs)


def test_long_text_is_summarised_in_chunks(fake_pipeline, fakes):
    _, summariser = fakes
    summariser.max_input_tokens = 60
    text = "\n".join(
        f"Paragraph {i} says something about the budget of the year." for i in range(40)
    )
    pipe = fake_pipeline()
    result = pipe.run(text, language="en")
    assert result.stages["summarise"]["chunks"] > 1
    first_round = summariser.calls[0]
    assert len(first_round) == result.stages["summarise"]["chunks"]
    covered = "\n".join(first_round)
    assert all(f"Paragraph {i} " in covered for i in range(40))  # the whole article is read


def test_checks_flag_what_the_translation_and_summary_got_wrong(fake_pipeline, fakes):
    translator, summariser = fakes
    bad = {
        "Budsjettet er på 8,8 billioner yen.": "The budget is 8.8 billion yen.",
        "Prisen var 38 mill. kroner, sier Kari Nygård.": "The price was high, she says.",
    }
    translator.generate = lambda texts, settings: [bad[t] for t in texts]
    summariser.generate = lambda texts, settings: ["The budget is 8.8 billion yen, up 35%."]
    result = fake_pipeline().run(" ".join(bad), language="nb")
    kinds = {(c["stage"], c["kind"], c["value"]) for c in result.checks}
    assert ("translate", "number_scale", "8,8 billioner") in kinds
    assert ("translate", "number_missing", "38 mill.") in {(*k[:2], k[2][:8]) for k in kinds}
    assert any(c["kind"] == "name_missing" and "Nygård" in c["value"] for c in result.checks)
    assert ("summarise", "number_invented", "35%") in kinds
    fields = {"stage", "kind", "severity", "value", "message", "paragraph", "sentence", "source",
              "target", "source_span", "target_span"}  # fmt: skip
    assert all(set(c) == fields for c in result.checks)
    severities = [c["severity"] for c in result.checks]
    assert severities == sorted(severities)  # "error" < "warning": the serious ones first
    scale = next(c for c in result.checks if c["kind"] == "number_scale")
    assert scale["source"] == "Budsjettet er på 8,8 billioner yen."  # names its sentence
    assert scale["target"] == "The budget is 8.8 billion yen."
    start, end = scale["source_span"]
    assert scale["source"][start:end] == "8,8 billioner"


def test_use_cache_false_bypasses_the_translation_memory_too(fake_pipeline, fakes):
    translator, _ = fakes
    pipe = fake_pipeline()
    pipe.translate(NB)
    pipe.translate(NB.replace("i dag", "i går"), use_cache=False)
    assert translator.calls[1] == [
        "Regjeringen la fram budsjettet i går.",
        "Det ble godt mottatt.",
        "Opposisjonen er kritisk til forslaget, og vil stemme imot.",
        "Overskrift",  # the headline
    ]
