"""The light tokenizers give exactly what transformers gives, and a converted run needs no torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.models.builtin import ensure_builtin
from pipeline.models.light_tokenizers import (
    TransformersTokenizer,
    UnsupportedTokenizer,
    load_light_tokenizer,
    load_tokenizer,
)

from .conftest import ARTICLES, CONFIG, ROOT

MT = ROOT.parent / "shared" / "data" / "mt"

HOSTILE = [
    "", " ", "   \t ", "Hei\u00a0på\u00a0deg.", "emoji 🙂🚢 og æøå ÆØÅ", "tab\there",
    "<unk> <unk>", "</s> in text </s>", "<pad>", "<s> and <mask>", ">>eng<< Hei", " >>nob<< hei",
    ">>x", "a" * 3000, "Ünïcödé «sitat» – tankestrek — “quotes” ‘single’ …", "1 234,5 kr; 12:30",
    "Кириллица и 中文 und ελληνικά", "line\nbreak", "\u200b\u200dzero width",
]  # fmt: skip


def _texts() -> list[str]:
    texts = list(HOSTILE)
    for path in sorted(ARTICLES.glob("*.txt")):
        texts += [line for line in path.read_text("utf-8").splitlines() if line.strip()]
    for name in ("nb-en/flores-dev.nb", "da-en/flores-dev.da", "nb-en/flores-dev.en"):
        if (MT / name).exists():
            texts += (MT / name).read_text("utf-8").splitlines()[:150]
    return texts


@pytest.fixture(scope="module", params=["tiny-marian", "tiny-bart"])
def pair(request, models_dir):
    from transformers import AutoTokenizer

    path = ensure_builtin(request.param, models_dir)
    return load_light_tokenizer(path), AutoTokenizer.from_pretrained(str(path))


def test_encoding_is_token_for_token_that_of_transformers(pair):
    light, reference = pair
    texts = _texts()
    expected = [reference.convert_ids_to_tokens(ids) for ids in reference(texts)["input_ids"]]
    assert light.encode_tokens(texts) == expected
    assert light.count(texts) == [len(row) for row in expected]
    assert light.max_length == reference.model_max_length


def test_decoding_is_that_of_transformers(pair):
    light, reference = pair
    rows = [reference.convert_ids_to_tokens(ids) for ids in reference(_texts())["input_ids"]]
    rows.append([*rows[5][::-1], "<unk>", "<pad>", "</s>"])  # scrambled, with special tokens
    expected = [
        reference.decode(reference.convert_tokens_to_ids(row), skip_special_tokens=True).strip()
        for row in rows
    ]
    assert light.decode_tokens(rows) == expected


def test_an_unknown_tokenizer_falls_back_to_transformers(tmp_path, models_dir):
    odd = tmp_path / "odd"
    odd.mkdir()
    source = ensure_builtin("tiny-marian", models_dir)
    for path in source.iterdir():
        (odd / path.name).write_bytes(path.read_bytes())
    config = json.loads((odd / "tokenizer_config.json").read_text())
    (odd / "tokenizer_config.json").write_text(json.dumps({**config, "a_new_option": True}))
    with pytest.raises(UnsupportedTokenizer, match="a_new_option"):
        load_light_tokenizer(odd)
    assert isinstance(load_tokenizer(odd), TransformersTokenizer)


def test_a_converted_run_imports_neither_torch_nor_transformers(models_dir, tmp_path):
    pytest.importorskip("ctranslate2")
    from pipeline import Pipeline

    Pipeline.from_config(CONFIG, "tiny", tmp_path / "warm").run(  # build and convert, once
        (ARTICLES / "seed-defence-visit.txt").read_text("utf-8")
    )
    code = (
        "import sys\n"
        "from pipeline import Pipeline\n"
        f"pipe = Pipeline.from_config({str(CONFIG)!r}, 'tiny', use_cache=False)\n"
        f"result = pipe.run(open({str(ARTICLES / 'sv-housing.txt')!r}).read())\n"
        "assert result.translation and result.summary\n"
        "assert pipe.models['translate']['backend'] == 'ctranslate2'\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]", out.stdout


def test_importing_the_light_tokenizers_is_torch_free():
    code = (
        "import sys, pipeline.models.light_tokenizers as t\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(ROOT))
