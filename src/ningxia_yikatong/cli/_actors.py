"""Who acts, on the command line: the staff file (经办人员名单) and ``--actor``.

The lifecycle commands (``batch declare`` …, ``case …``, ``review post-payment
--record``) name who acts with ``--actor ID``; the person is looked up in the
staff file ``--actors FILE`` (default ``yikatong-actors.json`` in the working
folder, or the environment variable ``YIKATONG_ACTORS``), a JSON list of
``{"actor_id", "name", "role", "region"}``. The role is its code
(``dept_clerk``) or its Chinese name (``主管部门经办``).

The command line trusts that file: whoever may run ``yikatong`` with it may act
as anyone in it. A system that embeds the library authenticates its users
itself and passes :class:`~ningxia_yikatong.workflow.Actor` values to
:class:`~ningxia_yikatong.workflow.store.LifecycleStore` instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar

import click

from ..errors import FileFormatError, WorkflowError, YikatongError
from ..workflow import Actor, Role

__all__ = [
    "ACTORS_ENV",
    "DEFAULT_ACTORS_FILE",
    "actor_options",
    "actors_option",
    "find_actor",
    "load_actors",
]

DEFAULT_ACTORS_FILE: Final = "yikatong-actors.json"
ACTORS_ENV: Final = "YIKATONG_ACTORS"
#: Largest staff file read (bytes).
MAX_ACTORS_BYTES: Final = 16 * 1024 * 1024
_FIELDS: Final = ("actor_id", "name", "role", "region")
_ROLE_BY_LABEL: Final = {role.label: role for role in Role}

F = TypeVar("F", bound=Callable[..., Any])


def actors_option(func: F) -> F:
    """``--actors FILE``: the staff file."""
    return click.option(
        "--actors",
        "actors_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_ACTORS_FILE,
        envvar=ACTORS_ENV,
        show_default=True,
        help=f"经办人员名单 JSON（也可用环境变量 {ACTORS_ENV} 指定）",
    )(func)


def actor_options(func: F) -> F:
    """``--actor ID`` (required) and ``--actors FILE``."""
    func = actors_option(func)
    return click.option(
        "--actor", "actor_id", required=True, help="办理人编号（经办人员名单中的 actor_id）"
    )(func)


def _bad(path: Path, message: str, **where: Any) -> FileFormatError:
    return FileFormatError(
        f"经办人员名单有误：{message}", code="cli.actors_file", file=str(path), **where
    )


def load_actors(path: Path) -> dict[str, Actor]:
    """The staff file ``path``, by actor id; every error names the file and the entry."""
    try:
        size = path.stat().st_size
        if size > MAX_ACTORS_BYTES:
            raise _bad(path, f"文件过大（{size}字节）")
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileFormatError(
            f"找不到经办人员名单 {path}：请用 --actors 指定，或设置环境变量 {ACTORS_ENV}"
            "（JSON 列表，每人一项：actor_id、name、role、region）",
            code="cli.actors_missing",
            file=str(path),
        ) from None
    except OSError as exc:
        raise _bad(path, f"无法读取（{exc.strerror or type(exc).__name__}）") from None
    try:
        entries = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        raise _bad(path, "不是 UTF-8 编码的 JSON") from None
    if not isinstance(entries, list) or not entries:
        raise _bad(path, "应为非空的 JSON 列表，每人一项")
    out: dict[str, Actor] = {}
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise _bad(path, f"第 {n} 项不是对象", record=n)
        missing = [f for f in _FIELDS if f not in entry]
        extra = sorted(set(entry) - set(_FIELDS))
        if missing or extra:
            said = "；".join(
                part
                for part in (
                    f"缺少 {'、'.join(missing)}" if missing else "",
                    f"有未知的字段 {'、'.join(extra)}" if extra else "",
                )
                if part
            )
            raise _bad(path, f"第 {n} 项{said}", record=n)
        role = entry["role"]
        fields = dict(entry)
        if isinstance(role, str) and role in _ROLE_BY_LABEL:
            fields["role"] = _ROLE_BY_LABEL[role].value
        if fields["role"] not in {r.value for r in Role}:
            known = "、".join(f"{r.value}（{r.label}）" for r in Role)
            raise _bad(path, f"第 {n} 项的岗位 {role!r} 未知；可用：{known}", record=n)
        try:
            actor = Actor.model_validate(fields)
        except YikatongError as exc:
            said = "；".join(d.message for d in exc.details[:3]) or exc.message
            raise _bad(path, f"第 {n} 项（{fields['actor_id']!r}）无效：{said}", record=n) from None
        if actor.actor_id in out:
            raise _bad(path, f"第 {n} 项的编号 {actor.actor_id} 重复", record=n)
        out[actor.actor_id] = actor
    return out


def find_actor(path: Path, actor_id: str) -> Actor:
    """The person ``actor_id`` of the staff file ``path`` (``cli.actor_unknown`` if absent)."""
    actors = load_actors(path)
    found = actors.get(actor_id.strip())
    if found is None:
        raise WorkflowError(
            f"经办人员名单 {path} 中没有编号为 {actor_id} 的人员（--actor）",
            code="cli.actor_unknown",
            file=str(path),
        )
    return found
