"""Sharding a plan across CI jobs: every journey runs in exactly one shard."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.errors import UsageError
from harness.core.plan.load import load_plan
from harness.core.plan.shard import in_shard, parse_shard

PLAN = Path(__file__).parent.parent.parent / "sites" / "demo-plan.yaml"


@pytest.mark.parametrize("total", [1, 2, 3, 5])
def test_shards_cover_every_journey_once(total: int) -> None:
    names = [journey.name for journey in load_plan(PLAN).journeys]
    names += [f"journey-{n}" for n in range(20)]
    placed = {
        name: [i for i in range(1, total + 1) if in_shard(name, (i, total))] for name in names
    }
    assert all(len(shards) == 1 for shards in placed.values()), placed


def test_shard_syntax() -> None:
    assert parse_shard("2/3") == (2, 3) and parse_shard(" 1 / 1 ") == (1, 1)
    for bad in ("0/2", "3/2", "1", "a/b", "1/0"):
        with pytest.raises(UsageError, match="expected I/N"):
            parse_shard(bad)
