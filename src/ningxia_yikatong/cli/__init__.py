"""The ``yikatong`` command line (the ``cli`` extra: click and rich).

Messages are in Chinese, for department staff. Library errors are shown as
their message and code, never as a traceback, and give exit status 1.
"""

from __future__ import annotations

from ._app import main

# Command modules register their commands on ``main`` when imported; one line each.
# isort: off
from . import _banks  # noqa: F401  (yikatong banks list, render, bank-simulate)
from . import _batch  # noqa: F401  (yikatong batch from-roster, yikatong batch drop)
from . import _catalog  # noqa: F401  (yikatong catalog)
from . import _check  # noqa: F401  (yikatong check)
from . import _keys  # noqa: F401  (yikatong keys, sign, verify, seal, unseal)
from . import _reconcile  # noqa: F401  (yikatong reconcile, yikatong reissue)
from . import _chain  # noqa: F401  (yikatong reconcile-chain)
from . import _notices  # noqa: F401  (yikatong notices)
from . import _roster  # noqa: F401  (yikatong roster check, yikatong roster generate)
from . import _ledger  # noqa: F401  (yikatong ledger)
from . import _workflow  # noqa: F401  (yikatong batch declare … close, status, overdue)
from . import _post_review  # noqa: F401  (yikatong review post-payment)
from . import _cases  # noqa: F401  (yikatong case)
from . import _demo  # noqa: F401  (yikatong demo)
# isort: on

__all__ = ["main"]
