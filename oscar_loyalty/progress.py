"""A text progress bar for long management commands (tqdm is not worth a dependency)."""

from __future__ import annotations

from django.core.management.base import OutputWrapper


def _plain(text: str) -> str:
    return text


class ProgressBar:
    """One redrawn line per stage, e.g. ``orders     [######    ]  60%  22,000/37,000 lines``.

    Redrawn only when the percentage changes, so a non-terminal (a CI log) gets ~100 updates per
    stage rather than one per batch.
    """

    WIDTH = 30

    def __init__(self, stream: OutputWrapper, enabled: bool = True) -> None:
        self.stream = stream
        # Redrawing with carriage returns only makes sense on a terminal, not in a log file.
        self.enabled = enabled and stream.isatty()
        self.stage: str | None = None
        self.drawn: tuple[str, int] | None = None

    def update(self, stage: str, done: int, total: int, unit: str = "", amount: str = "") -> None:
        if not self.enabled:
            return
        if stage != self.stage:
            self.finish()
            self.stage = stage
        fraction = min(done / total, 1.0) if total else 1.0
        percent = int(fraction * 100)
        if self.drawn == (stage, percent):
            return
        self.drawn = (stage, percent)
        filled = int(fraction * self.WIDTH)
        bar = "#" * filled + " " * (self.WIDTH - filled)
        amount = amount or f"{done:,}/{total:,} {unit}".rstrip()
        self.stream.write(
            f"\r{stage:<10} [{bar}] {percent:3d}%  {amount}", ending="", style_func=_plain
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self.stage is not None:
            self.stream.write("", ending="\n")
        self.stage = None
