"""Scale out over a Ray cluster: run the pipeline inside `ray.data.Dataset.map_batches`.

    import ray
    from pipeline import process_dataset

    ds = ray.data.from_items([{"id": "a1", "text": "Regjeringen la fram ..."}])
    out = process_dataset(ds, config="models.yaml", profile="default",
                          cache_dir="files:/shared/cache")
    for row in out.iter_rows():
        print(row["id"], row["status"], row["language"], row["summary"] or row["error"])

`ArticleProcessor` is a callable class, so Ray runs it in a pool of actors: each actor builds one
`Pipeline` and loads the models once, on the first batch that misses the cache, then reuses them
for every batch it is given. All the articles of a Ray batch share the model calls
(`Pipeline.run_many`). A bad article (empty, unsupported language, ...) gets status "error" and
an "kind: message" error string; the rest of its batch still succeeds.

Importing this module does not import ray (only `process_dataset` does, when called), and
`import pipeline` imports it only when `pipeline.process_dataset` or `pipeline.ArticleProcessor`
is first used: the package works without ray installed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ray.data import Dataset

    from pipeline.orchestrator import Pipeline
    from pipeline.results import Result

#: Columns `ArticleProcessor` adds to (or overwrites in) every batch. All hold strings.
OUTPUT_COLUMNS = ("language", "translation", "summary", "status", "error", "metadata", "checks")


class ArticleProcessor:
    """A `map_batches` UDF: detect, translate and summarise the `text` column of a batch.

    Takes a batch with a `text` column (and usually `id`; an optional `metadata` column of dicts
    or JSON strings adds to each article's header metadata), as a dict of numpy arrays (Ray's
    default batch format) or a pandas DataFrame, and returns the same kind of batch with every
    input column kept and these string columns added:

    - `language`: detected ISO 639-1 code ("" for a failed article),
    - `translation`, `summary`: English text ("" for a failed article),
    - `status`: "ok" or "error",
    - `error`: "kind: message" for a failed article (kinds as in `PipelineError`), else "",
    - `metadata`: the article's metadata (header lines plus the record's) as a JSON object,
    - `checks`: the result's checks as a JSON list ("[]" for a failed article).

    Metadata and checks are JSON text, not nested columns, so that blocks whose articles have
    different metadata keys still share one Arrow schema.
    """

    def __init__(
        self,
        config: str | Path | None = None,
        profile: str = "default",
        cache_dir: str | Path | None = None,
        *,
        use_cache: bool = True,
        models_dir: str | Path | None = None,
    ) -> None:
        """Build the pipeline (models load lazily, once per actor).

        `config` is the models.yaml path (None: the default lookup), `cache_dir` the disk cache
        (None: `$NORDTRANS_CACHE_DIR` or the user cache directory; put it on a shared filesystem
        to share it between nodes), `models_dir` where built-in and converted models live (None:
        `$NORDTRANS_MODELS_DIR` or the user data directory).
        """
        from pipeline.orchestrator import Pipeline

        options: dict[str, Any] = {}
        if models_dir is not None:
            options["models_dir"] = Path(models_dir)
        self.pipeline: Pipeline = Pipeline.from_config(
            config, profile, cache_dir, use_cache=use_cache, **options
        )

    def __call__(self, batch: Any) -> Any:
        """Process one batch (dict of arrays or pandas DataFrame); returns the same kind."""
        if isinstance(batch, dict):
            texts = list(batch["text"])
            ids = list(batch["id"]) if "id" in batch else None
            extra = list(batch["metadata"]) if "metadata" in batch else None
        elif hasattr(batch, "columns") and hasattr(batch, "assign"):  # a pandas DataFrame
            texts = batch["text"].tolist()
            ids = batch["id"].tolist() if "id" in batch.columns else None
            extra = batch["metadata"].tolist() if "metadata" in batch.columns else None
        else:
            raise TypeError(
                f"expected a dict of arrays or a pandas DataFrame, got {type(batch).__name__} "
                "(use batch_format='numpy' or 'pandas')"
            )
        columns = self.process(texts, ids, extra)
        if isinstance(batch, dict):
            return {**batch, **{name: _string_array(values) for name, values in columns.items()}}
        return batch.assign(**columns)

    def process(
        self,
        texts: Sequence[Any],
        ids: Sequence[Any] | None = None,
        metadata: Sequence[Any] | None = None,
    ) -> dict[str, list[str]]:
        """The output columns (see the class docstring) for parallel lists of one batch."""
        records = []
        for i, text in enumerate(texts):  # parsed (ids, metadata cells) by pipeline.records
            record: dict[str, Any] = {"id": ids[i] if ids is not None else str(i), "text": text}
            if metadata is not None:
                record["metadata"] = metadata[i]
            records.append(record)
        columns: dict[str, list[str]] = {name: [] for name in OUTPUT_COLUMNS}
        outcomes = self.pipeline.run_many(records, batch_size=max(1, len(records)))
        for outcome in outcomes:
            for name, value in _row(outcome).items():
                columns[name].append(value)
        if len(columns["status"]) != len(records):  # run_many promises one outcome per item
            raise RuntimeError(f"{len(columns['status'])} results for {len(records)} articles")
        return columns


def process_dataset(
    ds: Dataset,
    *,
    config: str | Path | None = None,
    profile: str = "default",
    cache_dir: str | Path | None = None,
    concurrency: int | tuple[int, ...] = 1,
    batch_size: int = 16,
    num_gpus: float = 0,
    **map_batches_args: Any,
) -> Dataset:
    """`ds` with the `ArticleProcessor` columns added, run on a pool of `concurrency` actors.

    `concurrency` is a fixed pool size, or (min, max[, initial]) for an autoscaling pool (see
    `actor_pool`; a `compute=` argument overrides it). Each actor reserves `num_gpus` GPUs (set
    `device: cuda` in the profile to use them) and gets `batch_size` articles at a time. Paths
    are passed to the actors as strings, so on a cluster they must exist on every node (a shared
    filesystem for `cache_dir`). Other keyword arguments (`num_cpus`, `memory`, `batch_format`,
    ...) go to `map_batches` unchanged. Lazy, like any Ray Data transformation: nothing runs
    until the result is consumed.
    """
    kwargs = {
        "config": str(config) if config is not None else None,
        "profile": profile,
        "cache_dir": str(cache_dir) if cache_dir is not None else None,
    }
    if map_batches_args.get("compute") is None:
        map_batches_args["compute"] = actor_pool(concurrency)
    return ds.map_batches(
        ArticleProcessor,
        fn_constructor_kwargs=kwargs,
        batch_size=batch_size,
        num_gpus=num_gpus,
        **map_batches_args,
    )


def actor_pool(concurrency: int | tuple[int, ...]) -> Any:
    """The `ActorPoolStrategy` for `concurrency`, read as `map_batches(concurrency=...)` used to.

    An int is a fixed pool of that many actors; (min, max) or (min, max, initial) autoscales.
    (Ray 2.51 deprecated `concurrency=` in favour of `compute=`; this keeps the simple spelling.)
    """
    from ray.data import ActorPoolStrategy

    if isinstance(concurrency, int):
        return ActorPoolStrategy(size=concurrency)
    if len(concurrency) == 2:
        return ActorPoolStrategy(min_size=concurrency[0], max_size=concurrency[1])
    if len(concurrency) == 3:
        low, high, initial = concurrency
        return ActorPoolStrategy(min_size=low, max_size=high, initial_size=initial)
    raise ValueError(f"concurrency must be n, (min, max) or (min, max, initial), not {concurrency}")


def _row(outcome: Result) -> dict[str, str]:
    if outcome.error is not None:
        return {
            "language": "",
            "translation": "",
            "summary": "",
            "status": "error",
            "error": f"{outcome.error.kind}: {outcome.error.message}",
            "metadata": "{}",
            "checks": "[]",
        }
    return {
        "language": outcome.language.code,
        "translation": outcome.translation or "",
        "summary": outcome.summary or "",
        "status": outcome.status,
        "error": "",
        "metadata": json.dumps(outcome.metadata, ensure_ascii=False, sort_keys=True, default=str),
        "checks": json.dumps(outcome.checks, ensure_ascii=False, default=str),
    }


def _string_array(values: list[str]) -> Any:
    import numpy as np

    # object, not "<U…": a fixed-width unicode array pads every cell to the longest translation
    return np.array(values, dtype=object) if values else np.array([], dtype=str)
