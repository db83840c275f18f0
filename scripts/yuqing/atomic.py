"""Write files so that a reader (or a crash) never sees half of one.

Both helpers write the bytes to a temporary file in the target's directory, ``fsync`` it, and only
then make it visible under the final name; the directory is synced afterwards so the new name
survives a power cut. ``atomic_write_new`` never replaces an existing file: it publishes with
``link`` (which fails when the name is taken, like ``O_EXCL``), so two writers racing for the same
case id cannot overwrite each other — the loser gets ``FileExistsError``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import: changing the umask is process-wide and would race with other threads.
_NEW_FILE_MODE = 0o666 & ~_current_umask()


def _write_temp(directory: Path, name: str, data: bytes, mode: int) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)  # mkstemp creates 0600; a case file is as readable as any other
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def _sync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def atomic_write_new(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``; raise ``FileExistsError`` if it already exists.

    Missing parent directories are created. On any failure nothing is left behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(path.parent, path.name, data, _NEW_FILE_MODE)
    try:
        try:
            os.link(tmp, path)
        except (AttributeError, NotImplementedError, PermissionError):  # pragma: no cover
            # File systems without hard links: an exclusive create of the final name instead.
            with open(path, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    _sync_directory(path.parent)


def atomic_replace(path: Path, data: bytes) -> None:
    """Replace (or create) ``path`` with ``data`` at once: readers see old or new, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777  # keep the file's permission bits
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    tmp = _write_temp(path.parent, path.name, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_directory(path.parent)

