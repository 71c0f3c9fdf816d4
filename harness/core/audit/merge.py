"""`ttq-harness audit merge`: the shards of one audit (`--shard I/N` results) as one result,
equal to the audit run unsharded: the pages in visiting order, the site checks over all of
them. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.audit.checks import merged_checks
from harness.core.errors import UsageError
from harness.core.plan.result import AuditInfo, PlanResult
from harness.core.plan.shard import parse_shard


def merge_audits(parts: Sequence[tuple[str, PlanResult]]) -> PlanResult:
    """(file name, result) of each shard; UsageError naming the file that does not fit."""
    if not parts:
        raise UsageError("audit merge: give the shard results to merge (JSON files)")
    infos: list[tuple[str, PlanResult, AuditInfo]] = []
    for name, result in parts:
        if result.kind != "audit" or result.audit is None:
            raise UsageError(f"{name}: not an audit result (kind {result.kind!r})")
        infos.append((name, result, result.audit))
    first_name, first, info = infos[0]
    shards: dict[int, str] = {}
    total: int | None = None
    for name, part, other in infos:
        if other.start_url != info.start_url:
            raise UsageError(
                f"{name}: audits {other.start_url}, but {first_name} audits {info.start_url}"
            )
        if other.shard is None:
            raise UsageError(f"{name}: not a shard (run with --shard I/N)")
        if sorted(other.pixels) != sorted(info.pixels):
            raise UsageError(
                f"{name}: --pixel {', '.join(other.pixels) or '(none)'}, but {first_name} has "
                f"{', '.join(info.pixels) or '(none)'}: the shards of one audit share it"
            )
        if other.crawl != info.crawl:
            crawls = {True: "follows links", False: "was run with --no-crawl"}
            raise UsageError(
                f"{name}: {crawls[other.crawl]}, but {first_name} {crawls[info.crawl]}: the "
                "shards of one audit share it"
            )
        if part.profile != first.profile:
            raise UsageError(
                f"{name}: rule profile {part.profile}, but {first_name} has {first.profile}"
            )
        index, count = parse_shard(other.shard)
        if total is not None and count != total:
            raise UsageError(f"{name}: shard {other.shard}, but the others are out of {total}")
        total = count
        if index in shards:
            raise UsageError(f"{name}: shard {other.shard} again (also {shards[index]})")
        shards[index] = name
    assert total is not None
    missing = [f"{i}/{total}" for i in range(1, total + 1) if i not in shards]
    if missing:
        raise UsageError(f"audit merge: shard(s) {', '.join(missing)} missing")
    pages = sorted(
        (j for _n, result, _i in infos for j in result.journeys),
        key=lambda j: (j.position if j.position is not None else -1, j.name),
    )
    discovered, skipped = _found_and_skipped([i for _n, _r, i in infos])
    checks = merged_checks(
        pages,
        [result.checks for _n, result, _i in infos],
        allowed_pixels=info.pixels,
        discovered=discovered,
    )
    incomplete = [f"{i.shard}: {r.incomplete}" for _n, r, i in infos if r.incomplete]
    return first.model_copy(
        update={
            "ok": all(c.ok for c in checks if c.severity == "error") and not incomplete,
            "journeys": pages,
            "checks": checks,
            "audit": info.model_copy(
                update={
                    "shard": None,
                    "discovered": discovered,
                    "resumed": sum(i.resumed for _n, _r, i in infos),
                    "workers": sum(i.workers for _n, _r, i in infos),
                    "skipped": skipped,
                }
            ),
            "incomplete": "; ".join(incomplete) or None,
            "unplaced_beacons": sum(r.unplaced_beacons for _n, r, _i in infos),
            "started_at": min((r.started_at or "" for _n, r, _i in infos), default=None) or None,
            "duration": max(r.duration for _n, r, _i in infos),
        }
    )


#: Skip reasons of pages visited that turned out not to be the site's (Frontier.leave), as
#: opposed to links not followed.
LEFT = ("redirected off site", "redirected out of scope")


def _found_and_skipped(infos: Sequence[AuditInfo]) -> tuple[int, dict[str, int]]:
    """The pages found and the skip counts of the whole audit. Crawling, every shard reads
    every page's links and skips alike: each shard's counts are the whole audit's. Without
    (--no-crawl), a shard learns that a page redirected away only if it visited it: those
    counts add up, and each is one page fewer found than the shards share."""
    if all(info.crawl for info in infos):
        return max(info.discovered for info in infos), dict(infos[0].skipped)
    left = [sum(info.skipped.get(reason, 0) for reason in LEFT) for info in infos]
    shared = max(info.discovered + own for info, own in zip(infos, left, strict=True))
    skipped = dict(infos[0].skipped)
    for reason in LEFT:
        total = sum(info.skipped.get(reason, 0) for info in infos)
        if total:
            skipped[reason] = total
        else:
            skipped.pop(reason, None)
    return shared - sum(left), dict(sorted(skipped.items()))
