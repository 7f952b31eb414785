"""The contract every agent bank (代发金融机构) adapter fulfils, and its configuration.

An adapter turns a :class:`~ningxia_yikatong.payout.PayoutBatch` into the bank's
payment file (:meth:`BankAdapter.render`) and reads the bank's return file
(回盘, :meth:`BankAdapter.parse_return`). For the bank's side, used by the
:class:`~ningxia_yikatong.banks.simulator.BankSimulator` and by integration
tests, it also reads payment files (:meth:`BankAdapter.read_instructions`) and
writes return files (:meth:`BankAdapter.write_return`).

:class:`RecordFileAdapter` implements the four methods once for every bank
whose files are records in a format engine (fixed-width, delimited, XLSX): a
bank module only declares its layouts, codes, encoding and signing scheme.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import functools
import hashlib
import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Final, Protocol, TypeVar

from cryptography.hazmat.primitives import hashes
from pydantic import Field

from .. import _arguments
from .._model import DomainModel
from ..bank import AccountNumber
from ..errors import (
    AdapterError,
    BankFileError,
    ErrorDetail,
    Location,
    SignatureError,
    YikatongError,
)
from ..identity import mask_account, mask_id_number
from ..money import CENT, MAX_AMOUNT, Amount
from ..payout import PayoutBatch
from ..signing._base64 import b64decode_canonical
from ..signing._protocols import Signer, Verifier
from ._model import (
    BankReturn,
    InstructionRecord,
    Instructions,
    PaymentFile,
    ReturnRecord,
    ReturnStatus,
)
from ._text import Decoded, RowErrors

__all__ = [
    "ARGUMENT_TYPES",
    "GUARDED_METHODS",
    "INSTRUCTION_COLUMNS",
    "RETURN_COLUMNS",
    "BankAdapter",
    "BankConfig",
    "RecordFileAdapter",
    "RecordFormat",
    "argument_error",
]

#: Order of the values of an instruction row given to a format engine.
INSTRUCTION_COLUMNS: Final = ("seq", "account", "name", "id_number", "amount", "memo")
#: Order of the values of a return row given to a format engine.
RETURN_COLUMNS: Final = (
    "seq",
    "account",
    "name",
    "amount",
    "code",
    "message",
    "txn_id",
    "settled_at",
)

_ZERO: Final = Decimal(0)
_FIELD_LABELS: Final = {
    "seq": "序号",
    "account": "账号",
    "name": "户名",
    "id_number": "证件号码",
    "amount": "金额",
    "memo": "摘要",
    "code": "处理结果代码",
    "message": "处理结果说明",
    "txn_id": "银行流水号",
    "settled_at": "处理时间",
}


class BankConfig(DomainModel):
    """What a deployment agrees with its bank, without subclassing the adapter.

    * ``payer_account`` / ``payer_name``: the department's payer account (付款账户);
      when set, a batch from another account is refused.
    * ``file_sequence``: the sequence number in file names (文件序号), when a
      bank counts the files of a day.
    * ``file_name_template`` / ``return_file_name_template``: replace the
      reference file names; ``{batch_id}``, ``{date:%Y%m%d}`` and
      ``{sequence:03d}`` are filled in.
    * ``max_items``, ``max_item_amount``, ``max_total``: agreed limits (限额) per
      file and per item; a batch over a limit is refused before anything is written.
    * ``signature_scheme``: replaces the bank's reference scheme (for example
      ``"RSA-SHA256"`` where a bank has not moved to SM2 yet).
    """

    payer_account: AccountNumber | None = None
    payer_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    file_sequence: Annotated[int, Field(ge=1, le=9999)] = 1
    file_name_template: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    return_file_name_template: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    max_items: Annotated[int, Field(ge=1)] | None = None
    max_item_amount: Amount | None = None
    max_total: Amount | None = None
    signature_scheme: Annotated[str, Field(min_length=1, max_length=40)] | None = None


def argument_error(where: str, name: str, expected: str, value: object) -> AdapterError:
    """The error for an argument of the wrong type: what was expected, what came
    (:func:`ningxia_yikatong._arguments.argument_error`, the one for every area)."""
    return _arguments.argument_error(
        AdapterError, "adapter", where, name, expected=expected, value=value
    )


def _is_files(value: object) -> bool:
    return isinstance(value, Mapping) and all(isinstance(k, str) for k in value)


def _is_records(value: object) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str | bytes | bytearray)
        and all(isinstance(r, ReturnRecord) for r in value)
    )


def _optional(kind: type | tuple[type, ...]) -> Callable[[object], bool]:
    return lambda value: value is None or isinstance(value, kind)


#: The arguments of the adapter contract, by parameter name: the test of the
#: value and the type it names in the error.
ARGUMENT_TYPES: Final[dict[str, tuple[Callable[[object], bool], str]]] = {
    "batch": (lambda v: isinstance(v, PayoutBatch), "PayoutBatch"),
    "signer": (lambda v: isinstance(v, Signer), "Signer"),
    "verifier": (lambda v: isinstance(v, Verifier), "Verifier"),
    "created": (_optional(_dt.date), "datetime.date | None"),
    "payment": (
        lambda v: isinstance(v, PaymentFile) or _is_files(v),
        "PaymentFile | Mapping[str, bytes]",
    ),
    "files": (_is_files, "Mapping[str, bytes]"),
    "batch_id": (_optional(str), "str | None"),
    "records": (_is_records, "Sequence[ReturnRecord]"),
    "msg_id": (_optional(str), "str | None"),
}
#: The methods of the contract whose arguments are checked, in every subclass.
GUARDED_METHODS: Final = ("render", "read_instructions", "write_return", "parse_return")

_F = TypeVar("_F", bound=Callable[..., Any])


def _guarded(method: _F) -> _F:
    """``method`` with its arguments checked against :data:`ARGUMENT_TYPES` first."""
    signature = inspect.signature(method)
    names = [n for n in signature.parameters if n in ARGUMENT_TYPES]
    # ``batch_id`` is a required str where it is the first argument (write_return)
    required = {n: p.default is inspect.Parameter.empty for n, p in signature.parameters.items()}

    @functools.wraps(method)
    def checked(self: BankAdapter, *args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:
            return method(self, *args, **kwargs)  # the interpreter's own message
        arguments = bound.arguments
        for name in names:
            if name not in arguments:
                continue
            value = arguments[name]
            test, expected = ARGUMENT_TYPES[name]
            if name == "batch_id" and required[name]:
                test, expected = (lambda v: isinstance(v, str)), "str"
            if not test(value):
                raise argument_error(f"{self.code}.{method.__name__}", name, expected, value)
        return method(self, *args, **kwargs)

    checked.__guarded__ = True  # type: ignore[attr-defined]
    return checked  # type: ignore[return-value]


class BankAdapter(ABC):
    """One agent bank's file formats, codes and signing scheme.

    Class attributes describe the bank; an instance carries a deployment's
    :class:`BankConfig`. Every method raises only library errors:
    :class:`~ningxia_yikatong.errors.BankFileError` for files,
    :class:`~ningxia_yikatong.errors.SignatureError` for signatures,
    :class:`~ningxia_yikatong.errors.AdapterError` for configuration.
    """

    #: Bank code (``"psbc"``), the entry-point name.
    code: ClassVar[str]
    #: Chinese name of the bank.
    name: ClassVar[str]
    #: 3-digit CNAPS bank code, where it has one.
    cnaps: ClassVar[str | None] = None
    #: Encoding of the bank's text (``"gbk"``, ``"gb18030"``).
    encoding: ClassVar[str]
    #: Signing scheme agreed with the bank (``Signer.algorithm``).
    signature_scheme: ClassVar[str]
    #: Digest of the payment file reported in :class:`PaymentFile` (``"SM3"``/``"SHA256"``).
    digest_algorithm: ClassVar[str] = "SM3"
    #: The bank's raw return codes and what they mean.
    return_codes: ClassVar[Mapping[str, ReturnStatus]]
    #: The code and message the bank writes for each status it can report.
    status_codes: ClassVar[Mapping[ReturnStatus, tuple[str, str]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every adapter, ours or an integrator's, checks the arguments of the
        contract's methods in one place: a wrong type is an
        :class:`~ningxia_yikatong.errors.AdapterError` (``adapter.argument_type``)
        naming the expected and the given type, never a ``TypeError`` from deep
        inside."""
        super().__init_subclass__(**kwargs)
        for name in GUARDED_METHODS:
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "__guarded__", False):
                setattr(cls, name, _guarded(method))

    def __init__(self, config: BankConfig | None = None) -> None:
        if config is not None and not isinstance(config, BankConfig):
            raise argument_error(type(self).__name__, "config", "BankConfig | None", config)
        self.config = config or BankConfig()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"

    @classmethod
    def for_conformance(cls, *, department: Signer, bank: Signer) -> BankAdapter:
        """The adapter as the conformance kit tests it, given the kit's keys.

        ``department`` signs payment files and ``bank`` signs returns (both of
        the adapter's scheme). An adapter that needs more than the default
        :class:`BankConfig` (an encryption key of the bank, say) overrides this.
        """
        return cls()

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        """Whether ``data`` looks like one of this bank's files (payment or return),
        from a cheap look at its start; never raises. Used to say, when a file
        does not read, which bank's file it seems to be. An adapter whose files
        it cannot recognise this way keeps this default (``False``)."""
        return False

    # -- the contract ------------------------------------------------------------
    @abstractmethod
    def render(
        self,
        batch: PayoutBatch,
        signer: Signer,
        *,
        created: _dt.date | None = None,
    ) -> PaymentFile:
        """The signed payment file of ``batch``; refuses the whole batch when any
        item cannot be represented, naming every such item."""

    @abstractmethod
    def read_instructions(
        self, payment: PaymentFile | Mapping[str, bytes], verifier: Verifier
    ) -> Instructions:
        """The bank's side: verify the signature and read the instructions,
        checking the file's count and total against its records."""

    @abstractmethod
    def write_return(
        self,
        batch_id: str,
        records: Sequence[ReturnRecord],
        signer: Signer,
        *,
        created: _dt.date | None = None,
    ) -> dict[str, bytes]:
        """The bank's side: the signed return file (回盘) for ``records``."""

    @abstractmethod
    def parse_return(
        self,
        files: Mapping[str, bytes],
        verifier: Verifier,
        *,
        batch_id: str | None = None,
    ) -> BankReturn:
        """Verify and read a return file; with ``batch_id``, a return for another
        batch is refused."""

    # -- shared methods ----------------------------------------------------------
    @property
    def scheme(self) -> str:
        """The signing scheme in force: the configuration's, else the bank's."""
        return self.config.signature_scheme or self.signature_scheme

    def status_of(self, raw_code: str) -> ReturnStatus:
        """The normalised status of a raw return code; unknown codes are ``OTHER``."""
        if type(raw_code) is not str and not isinstance(raw_code, str):
            raise argument_error(f"{self.code}.status_of", "raw_code", "str", raw_code)
        return self.return_codes.get(raw_code, ReturnStatus.OTHER)

    def code_for(self, status: ReturnStatus) -> tuple[str, str]:
        """The raw code and message the bank writes for ``status``."""
        if not isinstance(status, ReturnStatus):
            raise argument_error(f"{self.code}.code_for", "status", "ReturnStatus", status)
        try:
            return self.status_codes[status]
        except KeyError:
            raise AdapterError(
                f"{self.name}不报告“{status.label}”这一结果", code="adapter.status_unsupported"
            ) from None

    @property
    def reportable_statuses(self) -> tuple[ReturnStatus, ...]:
        """Every status this bank can report."""
        return tuple(self.status_codes)

    def check_signer(self, key: Signer | Verifier, role: str) -> None:
        """Refuse a key of another scheme than the one agreed."""
        if not isinstance(key, Signer | Verifier):
            raise argument_error(f"{self.code}.check_signer", "key", "Signer | Verifier", key)
        if key.algorithm != self.scheme:
            raise AdapterError(
                f"{self.name}约定的签名算法为 {self.scheme}，{role}为 {key.algorithm}",
                code="adapter.signature_scheme",
            )

    def check_batch(self, batch: PayoutBatch) -> None:
        """Refuse a batch for another bank, payer, or over an agreed limit."""
        if not isinstance(batch, PayoutBatch):
            raise argument_error(f"{self.code}.check_batch", "batch", "PayoutBatch", batch)
        cfg = self.config
        if batch.agent_bank != self.code:
            raise AdapterError(
                f"批次 {batch.batch_id} 的代发银行为 {batch.agent_bank}，不是 {self.code}",
                code="adapter.bank_mismatch",
            )
        if cfg.payer_account is not None and batch.payer_account != cfg.payer_account:
            raise AdapterError(
                f"批次的付款账号 {mask_account(batch.payer_account)} 与约定的付款账号 "
                f"{mask_account(cfg.payer_account)} 不符",
                code="adapter.payer_mismatch",
            )
        if cfg.max_items is not None and batch.count > cfg.max_items:
            raise AdapterError(
                f"批次有{batch.count}笔，超过约定的每个文件最多{cfg.max_items}笔",
                code="adapter.limit_items",
            )
        if cfg.max_total is not None and batch.total > cfg.max_total:
            raise AdapterError(
                f"批次总金额{batch.total}元，超过约定的{cfg.max_total}元",
                code="adapter.limit_total",
            )
        if cfg.max_item_amount is not None:
            limit = cfg.max_item_amount
            details = [
                ErrorDetail(
                    "adapter.limit_item",
                    f"序号{item.seq}（{mask_id_number(item.beneficiary.id_number)}）"
                    f"金额{item.amount}元超过单笔限额{limit}元",
                    Location(record=item.seq, field="amount"),
                )
                for item in batch.items
                if item.amount > limit
            ]
            if details:
                raise AdapterError(
                    f"{len(details)}笔金额超过单笔限额{limit}元，整批未生成",
                    code="adapter.limit_item",
                    details=details,
                )

    def file_name(self, template: str, batch_id: str, day: _dt.date) -> str:
        """A file name from ``template`` ({batch_id}, {date}, {sequence}, {bank})."""
        try:
            return template.format(
                batch_id=batch_id, date=day, sequence=self.config.file_sequence, bank=self.code
            )
        except (KeyError, IndexError, ValueError) as exc:
            raise AdapterError(
                f"文件名模板无效：{exc}", code="adapter.file_name_template"
            ) from None


class RecordFormat(Protocol):
    """What :class:`RecordFileAdapter` needs of a format engine."""

    @property
    def names(self) -> frozenset[str]:
        """Names of the header and trailer fields."""
        ...

    def write(
        self,
        values: Mapping[str, Any],
        rows: Iterable[Sequence[Any]],
        digest: Callable[[bytes], str] | None = None,
    ) -> bytes:
        """A whole file."""
        ...

    def read(self, data: bytes, file: str) -> Decoded:
        """A whole file, header and trailer values merged."""
        ...


def _digest(algorithm: str, data: bytes) -> str:
    if algorithm == "SM3":
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize().hex()
    return hashlib.new(algorithm.lower().replace("-", ""), data).hexdigest()


def _banks_recognising(data: bytes, *, but: str) -> list[str]:
    """Names of the registered banks, other than ``but``, whose ``sniff`` accepts ``data``."""
    from ._registry import available_adapters  # noqa: PLC0415 - the registry imports this module

    names = []
    for info in available_adapters().values():
        if info.code == but:
            continue
        try:
            if info.adapter.sniff(data):
                names.append(info.name)
        except Exception:  # noqa: S112 - another party's adapter must not break this error
            continue
    return names


class RecordFileAdapter(BankAdapter):
    """A bank whose files are records of a format engine, with a detached
    signature (``<file>.sig``, Base64 of the signature over the file's bytes).

    A subclass declares ``instruction_format`` and ``return_format`` (engines
    whose detail rows are in :data:`INSTRUCTION_COLUMNS` and
    :data:`RETURN_COLUMNS` order), the file-name templates and the codes.
    Header and trailer fields take their values by name: ``batch_id``,
    ``pay_date``, ``date``, ``count``, ``total``, ``payer_account``,
    ``payer_name``, ``digest`` (digest over the detail records, ``digest_algorithm``),
    and any constant.
    """

    instruction_format: ClassVar[RecordFormat]
    return_format: ClassVar[RecordFormat]
    #: Reference file names (``str.format`` with batch_id, date, sequence, bank).
    instruction_file_name: ClassVar[str]
    return_file_name: ClassVar[str]
    signature_suffix: ClassVar[str] = ".sig"

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        """Whether the first record of ``data`` reads as the header of this bank's
        payment or return layout (formats without a ``sniff`` are not asked)."""
        for fmt in (cls.instruction_format, cls.return_format):
            sniff = getattr(fmt, "sniff", None)
            if sniff is not None and sniff(data):
                return True
        return False

    def _read_records(self, fmt: RecordFormat, data: bytes, main: str) -> Decoded:
        """``fmt.read``; a file whose first record does not read, but that another
        registered bank recognises, is said to look like that bank's file."""
        try:
            return fmt.read(data, main)
        except BankFileError as exc:
            if exc.location.line != 1:
                raise
            others = _banks_recognising(data, but=self.code)
            if not others:
                raise
            raise type(exc)(
                f"{exc.message}；看起来是{'或'.join(others)}的文件，不是{self.name}的",
                code=exc.code,
                location=exc.location,
                details=exc.details,
            ) from None

    # -- department side ---------------------------------------------------------
    def render(
        self,
        batch: PayoutBatch,
        signer: Signer,
        *,
        created: _dt.date | None = None,
    ) -> PaymentFile:
        self.check_signer(signer, "签名密钥")
        self.check_batch(batch)
        day = created or batch.pay_date or _dt.date.today()
        rows = self.instruction_rows(batch)
        values = self.instruction_values(batch, day)
        try:
            data = self.instruction_format.write(values, rows, self._digest_of)
        except RowErrors as exc:
            raise self._unrepresentable(batch, exc) from None
        except BankFileError as exc:
            raise exc.at(file="（付款文件）") from None
        name = self.file_name(
            self.config.file_name_template or self.instruction_file_name, batch.batch_id, day
        )
        signature = base64.b64encode(signer.sign(data))
        return PaymentFile(
            bank=self.code,
            batch_id=batch.batch_id,
            main=name,
            files={name: data, name + self.signature_suffix: signature},
            count=batch.count,
            total=batch.total,
            digest=_digest(self.digest_algorithm, data),
            digest_algorithm=self.digest_algorithm,
            signature_algorithm=signer.algorithm,
            key_fingerprint=signer.key_fingerprint,
        )

    def instruction_rows(self, batch: PayoutBatch) -> list[tuple[Any, ...]]:
        """The batch's detail rows in :data:`INSTRUCTION_COLUMNS` order.

        The name is the account holder's name (户名), which the bank checks
        against the account.
        """
        return [
            (
                item.seq,
                item.beneficiary.account.number,
                item.beneficiary.account.holder_name,
                item.beneficiary.id_number,
                item.amount,
                item.memo,
            )
            for item in batch.items
        ]

    def instruction_values(self, batch: PayoutBatch, day: _dt.date) -> dict[str, Any]:
        """The values of the payment file's header and trailer fields, by name."""
        return {
            "batch_id": batch.batch_id,
            "pay_date": batch.pay_date or day,
            "date": day,
            "count": batch.count,
            "total": batch.total,
            "payer_account": batch.payer_account,
            "payer_name": self.config.payer_name or batch.payer_name,
        }

    def _digest_of(self, data: bytes) -> str:
        return _digest(self.digest_algorithm, data)

    def _unrepresentable(self, batch: PayoutBatch, exc: RowErrors) -> BankFileError:
        details = []
        seqs = set()
        for err in exc.errors:
            item = batch.items[err.index]
            seqs.add(item.seq)
            label = _FIELD_LABELS.get(err.field, err.field)
            details.append(
                ErrorDetail(
                    err.code,
                    f"序号{item.seq}（{mask_id_number(item.beneficiary.id_number)}）"
                    f"{label}：{err.message}",
                    Location(record=item.seq, field=err.field),
                )
            )
        return BankFileError(
            f"{len(seqs)}笔明细无法写入{self.name}付款文件，整批未生成，请处理后重新生成",
            code="bankfile.unrepresentable",
            details=details,
        )

    # -- bank side ---------------------------------------------------------------
    def _split(self, files: Mapping[str, bytes], what: str) -> tuple[str, bytes, bytes]:
        suffix = self.signature_suffix
        mains = [name for name in files if not name.endswith(suffix)]
        if len(mains) != 1:
            raise BankFileError(
                f"{what}应为一个数据文件加一个签名文件，实际收到{len(mains)}个数据文件",
                code="bankfile.files",
            )
        main = mains[0]
        sig_name = main + suffix
        if sig_name not in files:
            raise BankFileError("缺少签名文件", code="bankfile.signature_missing", file=sig_name)
        data = files[main]
        if not isinstance(data, bytes) or not isinstance(files[sig_name], bytes):
            raise BankFileError("文件内容应为字节串", code="bankfile.type", file=main)
        return main, data, files[sig_name]

    def _verify(self, main: str, data: bytes, sig_file: bytes, verifier: Verifier) -> None:
        self.check_signer(verifier, "验签密钥")
        try:
            signature = b64decode_canonical(sig_file, whitespace="line")
        except (binascii.Error, ValueError):
            raise SignatureError(
                "签名文件不是有效的Base64",
                code="signature.format",
                file=main + self.signature_suffix,
            ) from None
        try:
            verifier.verify(data, signature)
        except SignatureError as exc:
            raise exc.at(file=main + self.signature_suffix) from None

    def _check_figures(
        self, decoded: Decoded, amount_pos: int, file: str, kind: str
    ) -> tuple[int, Decimal]:
        header = decoded.header
        count = header.get("count")
        total = header.get("total")
        rows = decoded.rows

        def line(name: str) -> int:
            if name in decoded.trailer and decoded.trailer_line is not None:
                return decoded.trailer_line
            return 1

        if count is not None and count != len(rows):
            raise BankFileError(
                f"{kind}笔数为{count}，明细实际为{len(rows)}笔",
                code="bankfile.count_mismatch",
                file=file,
                line=line("count"),
                field="count",
            )
        actual = sum((row[amount_pos] for row in rows), Decimal("0.00"))
        if total is not None and total != actual:
            raise BankFileError(
                f"{kind}总金额为{total}元，明细合计为{actual}元",
                code="bankfile.total_mismatch",
                file=file,
                line=line("total"),
                field="total",
            )
        if "digest" in header and header["digest"] != _digest(
            self.digest_algorithm, decoded.detail_bytes
        ):
            raise BankFileError(
                f"明细记录的{self.digest_algorithm}摘要与尾记录不符",
                code="bankfile.digest_mismatch",
                file=file,
                line=line("digest"),
                field="digest",
            )
        return len(rows) if count is None else count, actual if total is None else total

    def read_instructions(
        self, payment: PaymentFile | Mapping[str, bytes], verifier: Verifier
    ) -> Instructions:
        files = payment.files if isinstance(payment, PaymentFile) else payment
        main, data, sig = self._split(files, "付款文件")
        self._verify(main, data, sig, verifier)
        decoded = self._read_records(self.instruction_format, data, main)
        count, total = self._check_figures(decoded, 4, main, "付款文件")
        rows, lines = decoded.rows, decoded.lines
        self._check_rows(rows, lines, main)
        make = InstructionRecord
        records = [
            make(seq, account, name, id_number, amount, memo or None, line)
            for (seq, account, name, id_number, amount, memo), line in zip(rows, lines, strict=True)
        ]
        header = decoded.header
        return Instructions(
            bank=self.code,
            batch_id=str(header.get("batch_id", "")),
            count=count,
            total=total,
            records=tuple(records),
            payer_account=str(header.get("payer_account", "")),
            payer_name=str(header.get("payer_name", "")),
            pay_date=header.get("pay_date"),
            files=tuple(files),
            signature_algorithm=verifier.algorithm,
            key_fingerprint=verifier.key_fingerprint,
        )

    @staticmethod
    def _check_rows(rows: Sequence[tuple[Any, ...]], lines: Sequence[int], main: str) -> None:
        """Refuse repeated seqs and amounts that are not valid payout amounts."""
        seqs = [row[0] for row in rows]
        if len(set(seqs)) != len(seqs):
            seen: set[int] = set()
            for index, seq in enumerate(seqs):
                if seq in seen:
                    raise BankFileError(
                        f"序号{seq}重复",
                        code="bankfile.seq_duplicate",
                        location=Location(
                            file=main, line=lines[index], record=index + 1, field="seq"
                        ),
                    )
                seen.add(seq)
        amounts = [row[4] for row in rows]
        if not amounts:
            return
        # A sum keeps the finest exponent of its terms: one look at it covers the
        # precision of every item, min and max cover the bounds.
        exponent = sum(amounts, _ZERO).as_tuple().exponent
        if (
            min(amounts) > _ZERO
            and max(amounts) <= MAX_AMOUNT
            and isinstance(exponent, int)
            and exponent >= -2
        ):
            return
        for index, amount in enumerate(amounts):
            try:
                if not (_ZERO < amount <= MAX_AMOUNT and amount.quantize(CENT) == amount):
                    Amount(amount)  # raises the precise error
            except YikatongError as exc:
                raise BankFileError(
                    exc.message,
                    code=exc.code,
                    location=Location(
                        file=main, line=lines[index], record=index + 1, field="amount"
                    ),
                ) from None

    def write_return(
        self,
        batch_id: str,
        records: Sequence[ReturnRecord],
        signer: Signer,
        *,
        created: _dt.date | None = None,
    ) -> dict[str, bytes]:
        self.check_signer(signer, "签名密钥")
        day = created or _dt.date.today()
        rows = [
            (
                r.seq,
                r.account,
                r.name,
                r.amount,
                r.raw_code,
                r.raw_message,
                r.bank_txn_id,
                r.settled_at,
            )
            for r in records
        ]
        values = {
            "batch_id": batch_id,
            "date": day,
            "count": len(records),
            "total": sum((r.amount for r in records), Decimal("0.00")),
        }
        try:
            data = self.return_format.write(values, rows, self._digest_of)
        except RowErrors as exc:
            first = exc.errors[0]
            raise BankFileError(
                f"{len(exc.errors)}处回盘内容无法写入：{first.message}",
                code="bankfile.unrepresentable",
                details=[
                    ErrorDetail(e.code, e.message, Location(record=e.index + 1, field=e.field))
                    for e in exc.errors
                ],
            ) from None
        name = self.file_name(
            self.config.return_file_name_template or self.return_file_name, batch_id, day
        )
        return {name: data, name + self.signature_suffix: base64.b64encode(signer.sign(data))}

    def parse_return(
        self,
        files: Mapping[str, bytes],
        verifier: Verifier,
        *,
        batch_id: str | None = None,
    ) -> BankReturn:
        main, data, sig = self._split(files, "回盘文件")
        self._verify(main, data, sig, verifier)
        decoded = self._read_records(self.return_format, data, main)
        count, total = self._check_figures(decoded, 3, main, "回盘文件")
        found = str(decoded.header.get("batch_id", ""))
        if batch_id is not None and found != batch_id:
            raise BankFileError(
                f"回盘文件属于批次 {found}，不是批次 {batch_id}",
                code="bankfile.batch_mismatch",
                file=main,
                line=1,
                field="batch_id",
            )
        status_of = self.status_of
        records = []
        seen: set[int] = set()
        for index, (row, line) in enumerate(zip(decoded.rows, decoded.lines, strict=True), 1):
            seq, account, name, amount, code, message, txn_id, settled_at = row
            if seq in seen:
                raise BankFileError(
                    f"回盘中序号{seq}重复",
                    code="bankfile.seq_duplicate",
                    file=main,
                    line=line,
                    record=index,
                    field="seq",
                )
            seen.add(seq)
            records.append(
                ReturnRecord(
                    seq,
                    account,
                    name,
                    amount,
                    status_of(code),
                    code,
                    message,
                    txn_id or None,
                    settled_at,
                    line,
                )
            )
        return BankReturn(
            bank=self.code,
            batch_id=found,
            count=count,
            total=total,
            records=tuple(records),
            files=tuple(files),
            signature_algorithm=verifier.algorithm,
            key_fingerprint=verifier.key_fingerprint,
        )
