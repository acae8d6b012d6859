"""Files bench writes for users (reports, exported tables): whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def whole(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to, renamed onto ``path`` once written: a reader, an interrupt or a
    disk that fills up never leaves a file cut short under its name (the earlier file stays until the new one is
    whole). An error names ``path``, not the temporary file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        os.replace(partial, path)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise OSError(exc.errno, f"cannot write {str(path)!r}: {reason}") from None
    finally:
        partial.unlink(missing_ok=True)
