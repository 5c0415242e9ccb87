"""A Ray cluster that loses a node mid-run: every article once, all ok, the shared cache sound.

A simulated cluster (`ray.cluster_utils.Cluster`: a head that runs no work and two workers of one
CPU, each its own raylet and object store on this machine) runs `process_dataset` on the tiny
profile with a `files:` cache, and the worker holding the actor is killed (no graceful shutdown)
once the first results are in. Ray Data's defaults restart the actor on the other worker and retry
its lost batches (see the README, "When a node is lost"); the test checks what a user would.

Marked `cluster` (about 40 s on two cores): the default `pytest` run deselects it, `.ci/run` runs
it with `pytest -m cluster`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pipeline.cache import FileCache
from pipeline.cache.files import TEMP_PREFIX
from pipeline.jobs.ray_data import process_dataset

from .conftest import ARTICLES, CONFIG
from .stores import addresses

ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context"),
]

ARTICLE_COUNT = 36
OBJECT_STORE = 80 * 2**20  # bytes per node: Ray's minimum is 75 MiB; these blocks are small


@pytest.fixture
def cluster(models_dir, tmp_path):
    """A head (no CPUs: it only drives) and two 1-CPU workers; yields (cluster, workers)."""
    env = {
        "NORDTRANS_MODELS_DIR": str(models_dir),
        "NORDTRANS_CACHE_DIR": str(tmp_path / "default-cache"),
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "OMP_NUM_THREADS": "1",  # one CPU per worker: torch's threads must not fight over it
    }
    head = {"num_cpus": 0, "object_store_memory": OBJECT_STORE, "include_dashboard": False}
    sim = cluster_utils.Cluster(initialize_head=True, head_node_args=head)
    try:  # shutdown also forgets the address, which a later ray.init() would connect to
        workers = [sim.add_node(num_cpus=1, object_store_memory=OBJECT_STORE) for _ in range(2)]
        ray.init(
            address=sim.address,
            runtime_env={"env_vars": env},
            log_to_driver=False,
            logging_level="ERROR",
        )
        ray.data.DataContext.get_current().enable_progress_bars = False
        yield sim, workers
    finally:
        ray.shutdown()
        sim.shutdown()


def _actor_nodes() -> set[str]:
    """The node ids of the live Ray Data map actors (from the GCS's actor table)."""
    from ray._private import state  # the public state API needs the dashboard, off here

    return {
        actor["Address"]["NodeID"]
        for actor in state.actors().values()
        if actor["State"] == "ALIVE" and "MapWorker" in actor["ActorClassName"]
    }


def test_a_lost_worker_node_costs_time_not_results(cluster, tmp_path, caplog):
    sim, workers = cluster
    files = sorted(ARTICLES.glob("*.txt"))
    if not files:
        pytest.skip("no sample articles in ../shared/articles")
    items = [
        {"id": f"a{i:03d}", "text": files[i % len(files)].read_text(encoding="utf-8")
         + f"\n\nDette er artikkel nummer {i}."}
        for i in range(ARTICLE_COUNT)
    ]  # fmt: skip
    root = tmp_path / "shared-cache"
    out = process_dataset(
        ray.data.from_items(items), config=CONFIG, profile="tiny", cache_dir=f"files:{root}",
        concurrency=1, batch_size=2,
    )  # fmt: skip

    rows, killed = [], None
    for row in out.iter_rows():
        rows.append(row)
        if killed is None:  # the first result is in: the actor has loaded and is working
            (victim,) = [w for w in workers if w.node_id in _actor_nodes()]
            sim.remove_node(victim, allow_graceful=False)
            killed = len(rows)

    assert killed is not None and killed < ARTICLE_COUNT  # the node went with work to do
    assert sorted(row["id"] for row in rows) == sorted(item["id"] for item in items)
    assert [row["error"] for row in rows if row["status"] != "ok"] == []

    # The shared cache: every entry reads back whole, as what was written (no warning); a
    # process killed inside a write can leave its one temporary file, never read as an entry.
    entries = addresses("files", root)
    assert {stage for stage, _ in entries} >= {"detect", "translate", "summarise", "tm"}
    cache = FileCache(root)
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        assert all(cache.get(stage, key) is not None for stage, key in entries)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pipeline")] == []
    assert len([p for p in Path(root).rglob(f"{TEMP_PREFIX}*")]) <= 1
