"""What every stage is: a name, a version, an identity, and one verb, `run`.

A stage turns a batch of inputs into one output each (typed, see the `*Output` structs); the
orchestrator's cache wrapper (`pipeline.orchestrator`) does the caching once for all of them,
keyed by the stage's name, version and identity plus the input. Bump `version` whenever the
output for the same input changes: that is what invalidates old cache entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, TypeVar

import msgspec

In = TypeVar("In", contravariant=True)
Out = TypeVar("Out", bound=msgspec.Struct)


class Stage(Protocol[In, Out]):
    """One step of the chain."""

    name: ClassVar[str]  # also the cache namespace
    version: ClassVar[str]
    output_type: ClassVar[type[msgspec.Struct]]

    @property
    def identity(self) -> dict[str, Any]:
        """Everything besides the input that decides the output: model, revision, settings."""
        ...

    def run(self, inputs: Sequence[In], *, use_cache: bool = True) -> list[Out]:
        """One output per input, in order. `use_cache` off: no memory of the stage's own either."""
        ...


class Output(msgspec.Struct, frozen=True, kw_only=True):
    """Base of stage outputs: plain data, so that they cache as JSON and load back typed."""


def to_plain(output: msgspec.Struct) -> Any:
    """An output as JSON-ready builtins (what the cache stores)."""
    return msgspec.to_builtins(output)


def from_plain(value: Any, kind: type[msgspec.Struct]) -> Any | None:
    """A cached value as `kind`, or None when it no longer fits (an old or foreign entry)."""
    try:
        return msgspec.convert(value, kind)
    except msgspec.ValidationError:
        return None
