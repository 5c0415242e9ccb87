"""`pipeline.jobs.ray_data`: the Ray Data UDF, on a local two-CPU Ray and the tiny models."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from pipeline.jobs.ray_data import OUTPUT_COLUMNS, ArticleProcessor, actor_pool, process_dataset

from .conftest import ARTICLES, CONFIG, ROOT

ray = pytest.importorskip("ray")

# Ray Data reads its own deprecated settings when it ships its context to the workers.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")

SUPPORTED = ("nb", "nn", "da", "sv", "en")
GERMAN = (
    "Die Bundesregierung hat am Dienstag den Haushalt für das kommende Jahr vorgestellt. "
    "Der Kanzler sagt, die Wirtschaft entwickle sich besser als erwartet, aber die Preise "
    "steigen weiter."
)


@pytest.fixture(scope="module")
def local_ray(models_dir, tmp_path_factory):
    """A local Ray whose workers see the test session's isolated directories.

    The conftest's autouse fixture sets these variables per test, after module fixtures are
    set up, so they are built here from the same session-scoped models dir.
    """
    home = tmp_path_factory.mktemp("ray-worker-env")
    env = {
        "NORDTRANS_MODELS_DIR": str(models_dir),
        "NORDTRANS_CACHE_DIR": str(home / "cache"),
        "HF_HOME": str(home / "hf"),
        "HF_HUB_CACHE": str(home / "hf" / "hub"),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        runtime_env={"env_vars": env},
        log_to_driver=False,
        logging_level="ERROR",
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield env
    ray.shutdown()


def expected_language(name: str) -> str:
    """The language a sample file's name promises (the seed article is Bokmål)."""
    prefix = name.split("-", 1)[0]
    return prefix if prefix in SUPPORTED else "nb"


def test_dataset_on_tiny_profile(local_ray, tmp_path):
    files = sorted(ARTICLES.glob("*.txt"))
    if not files:
        pytest.skip("no sample articles in ../shared/articles")
    items = [{"id": f.stem, "text": f.read_text(encoding="utf-8")} for f in files]
    items += [{"id": "empty", "text": ""}, {"id": "german", "text": GERMAN}]
    ds = ray.data.from_items(items)

    out = process_dataset(
        ds, config=CONFIG, profile="tiny", cache_dir=f"files:{tmp_path / 'cache'}", batch_size=4
    )
    rows = out.take_all()

    assert len(rows) == len(items)
    by_id = {row["id"]: row for row in rows}
    assert sorted(by_id) == sorted(item["id"] for item in items)
    for row in rows:
        assert set(OUTPUT_COLUMNS) <= set(row)
        assert all(isinstance(row[name], str) for name in OUTPUT_COLUMNS)
    for f in files:
        row = by_id[f.stem]
        assert row["status"] == "ok", row["error"]
        assert row["error"] == ""
        assert row["language"] == expected_language(f.name)
        assert row["translation"].strip() and row["summary"].strip()
        assert isinstance(json.loads(row["metadata"]), dict)
    assert by_id["empty"]["status"] == "error"
    assert by_id["empty"]["error"].startswith("input: ")
    assert by_id["german"]["status"] == "error"
    assert by_id["german"]["error"].startswith("language: ") and "(de)" in by_id["german"]["error"]
    for bad in ("empty", "german"):
        assert by_id[bad]["summary"] == by_id[bad]["translation"] == by_id[bad]["language"] == ""
    assert any((tmp_path / "cache").rglob("*.json")), "the actors wrote to the given cache"


@pytest.fixture
def processor(fake_pipeline):
    """An ArticleProcessor (tiny profile) whose pipeline runs the fake models: no Ray, no torch."""
    proc = ArticleProcessor(config=CONFIG, profile="tiny")
    proc.pipeline = fake_pipeline()
    return proc


def test_numpy_batch_keeps_columns_and_order(processor):
    batch = {
        "id": np.array([7, 8, 9]),
        "text": np.array(
            ["Regjeringen la fram statsbudsjettet for neste år på tirsdag.", "", GERMAN],
            dtype=object,
        ),
        "source": np.array(["a", "b", "c"]),
    }
    out = processor(batch)
    assert list(out["id"]) == [7, 8, 9] and list(out["source"]) == ["a", "b", "c"]
    assert list(out["status"]) == ["ok", "error", "error"]
    assert out["language"][0] == "nb" and out["summary"][0]
    assert out["error"][0] == "" and out["error"][1].startswith("input: ")
    assert all(len(out[name]) == 3 for name in OUTPUT_COLUMNS)


def test_pandas_batch_and_record_metadata(processor):
    pd = pytest.importorskip("pandas")
    text = "date 2025-08-21\nDen japanske forsvarsministeren besøkte Tyrkia denne uken."
    batch = pd.DataFrame(
        {
            "id": ["x", "y"],
            "text": [text, None],
            "metadata": [{"source": "ntb", "section": None}, None],
        }
    )
    out = processor(batch)
    assert isinstance(out, pd.DataFrame)
    assert out["id"].tolist() == ["x", "y"]
    assert out["status"].tolist() == ["ok", "error"]
    assert json.loads(out["metadata"][0]) == {"date": "2025-08-21", "source": "ntb"}
    assert out["error"][1].startswith("input: ")
    assert out["checks"].tolist() == ["[]", "[]"]


def test_actor_pool_reads_concurrency():
    assert actor_pool(3).min_size == actor_pool(3).max_size == 3
    pool = actor_pool((1, 4))
    assert (pool.min_size, pool.max_size) == (1, 4)
    with pytest.raises(ValueError):
        actor_pool((1, 2, 3, 4))


def test_importing_pipeline_does_not_import_ray():
    code = "import sys, pipeline, pipeline.jobs.ray_data; assert 'ray' not in sys.modules, 'ray'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
