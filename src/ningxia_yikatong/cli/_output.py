"""How commands write files: one rule for every command.

* A command writes only the files it names in its help and its messages, and
  deletes nothing it did not write.
* An existing file is replaced only when ``--force`` is given; without it the
  command stops before it writes anything, naming every file in the way.
* Every file is written atomically: to a temporary file beside it, then renamed
  over the target. An interrupted command leaves the old file or the new one,
  never half of one.
* ``yikatong demo`` owns its output folder: it writes a marker file
  (:data:`DEMO_MARKER`) listing what it wrote, refuses a non-empty folder
  without that marker, and on a re-run removes only the files the marker lists.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Final

from ..errors import FileFormatError

__all__ = [
    "DEMO_MARKER",
    "DemoFolder",
    "ensure_folder",
    "refuse_existing",
    "write_file",
    "write_files",
    "write_with",
]

#: The file ``yikatong demo`` writes in its output folder, listing what it wrote.
DEMO_MARKER: Final = ".yikatong-demo.json"


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "没有写入权限"
    if isinstance(exc, FileNotFoundError):
        return "目录不存在"
    if isinstance(exc, IsADirectoryError):
        return "这是一个目录"
    if isinstance(exc, NotADirectoryError):
        return "路径中有一部分不是目录"
    return exc.strerror or type(exc).__name__


def refuse_existing(paths: Iterable[Path], *, force: bool, option: str = "--force") -> None:
    """Stop when any of ``paths`` exists (and ``force`` is not given), naming them
    all; a folder where a file should go is refused even with ``force``."""
    paths = list(paths)
    for path in paths:
        if path.is_dir():
            raise FileFormatError("应为文件，实际是一个目录", code="cli.not_a_file", file=str(path))
    if force:
        return
    existing = [str(path) for path in paths if path.exists() or path.is_symlink()]
    if existing:
        others = f"（另有 {'、'.join(existing[1:])} 也已存在）" if len(existing) > 1 else ""
        raise FileFormatError(
            f"文件已存在{others}，不会覆盖；确需覆盖请加 {option}",
            code="cli.exists",
            file=existing[0],
        )


def ensure_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) unless it exists."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise FileFormatError(
            "应为目录，实际是一个文件", code="cli.not_a_folder", file=str(folder)
        ) from None
    except OSError as exc:
        raise FileFormatError(
            f"无法创建目录：{_reason(exc)}", code="cli.unwritable", file=str(folder)
        ) from None


def _usual_mode(fd: int) -> None:
    """The mode a new file gets from ``open`` (mkstemp makes owner-only files)."""
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)


def _atomic(path: Path, data: bytes, *, private: bool) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        if not private:  # keys stay owner-only
            _usual_mode(fd)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_file(
    path: Path,
    data: bytes | str,
    *,
    force: bool,
    option: str = "--force",
    private: bool = False,
) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; an existing file only
    with ``force``. ``private`` files are readable by their owner only. The
    folder must exist."""
    refuse_existing([path], force=force, option=option)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        _atomic(path, raw, private=private)
    except OSError as exc:
        raise FileFormatError(
            f"无法写入文件：{_reason(exc)}", code="cli.unwritable", file=str(path)
        ) from None


def write_with(
    path: Path, writer: Callable[[Path], object], *, force: bool, option: str = "--force"
) -> None:
    """Write ``path`` by calling ``writer`` with a temporary path beside it, then
    renaming that over ``path``; an existing file only with ``force``. The
    folder must exist."""
    refuse_existing([path], force=force, option=option)
    try:
        # The temporary name ends as the target does: writers choose a format by it.
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=f".part{path.suffix}"
        )
    except OSError as exc:
        raise FileFormatError(
            f"无法写入文件：{_reason(exc)}", code="cli.unwritable", file=str(path)
        ) from None
    _usual_mode(fd)
    os.close(fd)
    try:
        writer(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        raise FileFormatError(
            f"无法写入文件：{_reason(exc)}", code="cli.unwritable", file=str(path)
        ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def write_files(
    folder: Path, files: Mapping[str, bytes], *, force: bool, option: str = "--force"
) -> list[Path]:
    """Write each of ``files`` (name to bytes) into ``folder``; nothing is written
    when any name is not a plain file name, or any file exists without ``force``."""
    for name in files:
        if not name or Path(name).name != name or name in (".", ".."):
            raise FileFormatError("文件名不能包含目录", code="cli.file_name", file=name)
    targets = [folder / name for name in files]
    refuse_existing(targets, force=force, option=option)
    ensure_folder(folder)
    for target, data in zip(targets, files.values(), strict=True):
        write_file(target, data, force=True)
    return targets


class DemoFolder:
    """The output folder of ``yikatong demo``: refuses a folder it does not own,
    cleans only what a previous run wrote, and records what this run writes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: list[str] = []
        #: The ledger's audit verification line, said last.
        self.ledger_line = ""

    @property
    def marker(self) -> Path:
        """The marker file listing what the demo wrote."""
        return self.root / DEMO_MARKER

    def prepare(self) -> None:
        """Make the folder ready: new, empty, or a previous demo's output (whose
        files, and only those, are removed)."""
        root = self.root
        if root.exists() and not root.is_dir():
            raise FileFormatError(
                "输出位置应为目录，实际是一个文件", code="cli.not_a_folder", file=str(root)
            )
        if root.is_dir() and any(root.iterdir()):
            if not self.marker.is_file():
                raise FileFormatError(
                    f"输出目录不是空目录，也不是演示程序此前的输出（没有 {DEMO_MARKER} 标记文件）；"
                    "演示不会删除或覆盖其中的文件，请用 --out 指定一个新目录或空目录",
                    code="cli.out_not_empty",
                    file=str(root),
                )
            self._remove_previous()
        ensure_folder(root)
        self._save()  # owned from now on, even if this run stops half way

    def _remove_previous(self) -> None:
        try:
            listed = json.loads(self.marker.read_text("utf-8"))["written"]
            names = [str(name) for name in listed]
        except (OSError, ValueError, KeyError, TypeError):
            raise FileFormatError(
                "演示输出的标记文件已损坏，无法确定哪些文件由演示写入；请换一个目录",
                code="cli.demo_marker",
                file=str(self.marker),
            ) from None
        root = self.root.resolve()
        folders: set[Path] = set()
        for name in names:
            path = (self.root / name).resolve()
            if root not in path.parents or path.is_symlink() or not path.is_file():
                continue  # outside the folder, or no longer the file the demo wrote
            path.unlink()
            folders.update(p for p in path.parents if root in p.parents)
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):  # not empty: someone else's files are in it
                folder.rmdir()
        self.marker.unlink()

    def write(self, relative: str, data: bytes | str) -> Path:
        """Write one file under the folder (never over a file the demo did not write)."""
        path = self.root / relative
        ensure_folder(path.parent)
        write_file(path, data, force=False)
        self.written.append(Path(relative).as_posix())
        return path

    def write_with(self, relative: str, writer: Callable[[Path], object]) -> Path:
        """Write one file by ``writer(temporary path)``, then move it into place."""
        path = self.root / relative
        ensure_folder(path.parent)
        write_with(path, writer, force=False)
        self.written.append(Path(relative).as_posix())
        return path

    def close(self) -> None:
        """Record what this run wrote in the marker file."""
        self._save()

    def _save(self) -> None:
        text = json.dumps(
            {"program": "yikatong demo", "written": self.written}, ensure_ascii=False, indent=1
        )
        write_file(self.marker, text, force=True)
