"""Splitting a plan's journeys across CI jobs: `--shard I/N` runs the I-th of N parts.

The split depends only on each journey's name (a stable hash), so every job computes the same
partition without talking to the others, and together the N shards run every journey once.
"""

from __future__ import annotations

import re
import zlib

from harness.core.errors import UsageError

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def parse_shard(text: str) -> tuple[int, int]:
    """'2/3' -> (2, 3); a one-line UsageError for anything else."""
    match = _SHARD.fullmatch(text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise UsageError(f"--shard {text!r}: expected I/N with 1 <= I <= N, e.g. 1/2")
    return int(match[1]), int(match[2])


def in_shard(journey: str, shard: tuple[int, int]) -> bool:
    index, total = shard
    return zlib.crc32(journey.encode("utf-8")) % total == index - 1
