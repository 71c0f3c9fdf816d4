"""Where a running audit stands, as its progress lines and bar show it. Pure.

Pages taken from `--resume` count as done, but not towards the rate or the time left: they
took no time in this run, and counting them would promise a resumed audit a speed it does not
have.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuditProgress:
    done: int  # pages audited (this run and resumed)
    queued: int  # pages found and not yet audited
    elapsed: float  # seconds since this run started
    #: pages audited by this run (`done` less those taken from --resume)
    this_run: int | None = None

    @property
    def fresh(self) -> int:
        return self.done if self.this_run is None else self.this_run

    @property
    def rate(self) -> float:
        """Pages a second this run audits (resumed pages took no time here)."""
        return self.fresh / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def left(self) -> float | None:
        """Seconds until the queued pages are done at this run's rate; None while unknown
        (fewer than two pages audited by this run)."""
        if self.fresh < 2 or self.rate <= 0:
            return None
        return self.queued / self.rate

    def summary(self) -> str:
        """'12 done, 30 queued, 2.1 pages/s, ~14s left' (a progress line's prefix)."""
        text = f"{self.done} done, {self.queued} queued"
        left = self.left
        if left is not None:
            text += f", {self.rate:.1f} pages/s, ~{left:.0f}s left"
        return text
