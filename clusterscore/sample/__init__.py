"""The deterministic synthetic sample: fictional cluster organisations, their members and registry records.

`generate(out_dir, scale, seed)` writes the files described in `docs/sample-data.md` and returns the manifest.
The generator modules load only when `generate` is called, so importing this package stays cheap.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_SEED = 20261127


def generate(out_dir: Path, scale: float = 1.0, seed: int = DEFAULT_SEED) -> dict:
    """Write the sample under `out_dir` for `seed` and `scale`; return the manifest dict."""
    from clusterscore.sample.generator import generate as _generate

    return _generate(Path(out_dir), scale=scale, seed=seed)


__all__ = ["DEFAULT_SEED", "generate"]
