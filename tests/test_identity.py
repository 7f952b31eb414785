"""Resident ID numbers, person names, phones and masking."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter

from ningxia_yikatong import PersonName, Phone, ResidentIdNumber
from ningxia_yikatong.errors import InvalidIdNumber, InvalidName, InvalidPhone
from ningxia_yikatong.identity import Sex, mask_account, mask_id_number

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check_digit(body: str) -> str:
    """Independent implementation of the GB 11643 check digit, for the tests."""
    remainder = sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11
    return body + "10X98765432"[remainder]


ids = st.builds(
    lambda address, born, seq: with_check_digit(f"{address:06d}{born:%Y%m%d}{seq:03d}"),
    st.integers(min_value=110000, max_value=659999),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today()),
    st.integers(min_value=0, max_value=999),
)


# Examples printed in GB 11643-1999 itself; the second has an address code that
# no longer exists and must still be accepted.
@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_standard_examples(number: str) -> None:
    assert ResidentIdNumber(number) == number


def test_normalises_and_exposes_parts() -> None:
    rid = ResidentIdNumber("  11010519491231002x\t")
    assert rid == "11010519491231002X"
    assert rid.birth_date == dt.date(1949, 12, 31)
    assert rid.sex is Sex.FEMALE
    assert rid.sex.label == "女"
    assert rid.address_code == "110105"
    assert ResidentIdNumber("440524188001010014").sex is Sex.MALE


@given(ids)
def test_generated_ids_validate(number: str) -> None:
    assert ResidentIdNumber(number) == number


@given(ids, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_any_single_digit_change_is_refused(number: str, position: int, shift: int) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    current = alphabet.index(number[position])
    changed = alphabet[(current + shift) % len(alphabet)]
    if changed == number[position]:
        return
    mutated = number[:position] + changed + number[position + 1 :]
    with pytest.raises(InvalidIdNumber) as info:
        ResidentIdNumber(mutated)
    assert info.value.code in {"id.checksum", "id.date", "id.future"}


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("11010519491231002", "id.length"),
        ("11010519491231002X1", "id.length"),
        ("110105491231002", "id.length"),  # 15-digit old number
        ("", "id.length"),
        ("1101051949123100X2", "id.format"),  # X not last
        ("１１０１０５１９４９１２３１００２Ｘ", "id.format"),  # full-width digits
        ("110105194902300029", "id.date"),  # 30 February
        ("110105187001010011", "id.date"),  # before 1880
        ("110105194912310021", "id.checksum"),
        (11010519491231002, "id.type"),
        (None, "id.type"),
    ],
)
def test_refuses(bad: object, code: str) -> None:
    with pytest.raises(InvalidIdNumber) as info:
        ResidentIdNumber(bad)
    assert info.value.code == code


def test_future_birth_date() -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    number = with_check_digit(f"640122{tomorrow:%Y%m%d}001")
    with pytest.raises(InvalidIdNumber) as info:
        ResidentIdNumber(number)
    assert info.value.code == "id.future"


def test_age_on_birthday_and_leap_day() -> None:
    rid = ResidentIdNumber(with_check_digit("640122194603150011"[:17]))
    assert rid.age_on(dt.date(2026, 3, 14)) == 79
    assert rid.age_on(dt.date(2026, 3, 15)) == 80  # the birthday itself counts
    leap = ResidentIdNumber(with_check_digit("64012220000229001"))
    assert leap.age_on(dt.date(2026, 2, 28)) == 25
    assert leap.age_on(dt.date(2026, 3, 1)) == 26


def test_message_does_not_leak_the_number() -> None:
    with pytest.raises(InvalidIdNumber) as info:
        ResidentIdNumber("640122194603150019")
    assert "640122194603150019" not in str(info.value)


def test_masking() -> None:
    assert ResidentIdNumber("11010519491231002X").masked() == "110105********002X"
    assert mask_id_number("640122199001011234", keep_head=0) == "**************1234"
    assert mask_account("6217000012345678901") == "***************8901"
    assert mask_account("123") == "**3"  # never shows the whole


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  马小明 ", "马小明"),
        ("阿卜杜・热合曼", "阿卜杜·热合曼"),  # katakana middle dot
        ("阿卜杜•热合曼", "阿卜杜·热合曼"),  # bullet
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("e\u0301mile", "\u00e9mile"),  # NFC
        ("吉𠮷", "吉𠮷"),  # outside the BMP, accepted
        ("Ma Li", "Ma Li"),
    ],
)
def test_name_normalises(raw: str, expected: str) -> None:
    assert PersonName(raw) == expected


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("", "name.empty"),
        ("   ", "name.empty"),
        ("张三3", "name.digit"),
        ("张三３", "name.digit"),
        ("张\u200b三", "name.control"),
        ("张\n三", "name.control"),
        ("张三(代)", "name.character"),
        ("张三?", "name.character"),
        ("·张三", "name.dot"),
        ("阿卜杜··热合曼", "name.dot"),
        ("马" * 65, "name.length"),
        (123, "name.type"),
    ],
)
def test_name_refuses(bad: object, code: str) -> None:
    with pytest.raises(InvalidName) as info:
        PersonName(bad)
    assert info.value.code == code


def test_name_encodings() -> None:
    assert PersonName("张三").byte_length("gbk") == 4
    rare = PersonName("吉𠮷䶮")
    assert not rare.encodable("gbk")
    assert rare.encodable("gb18030")
    assert rare.unencodable_characters("gbk") == ("𠮷", "䶮")
    # 䶮 (U+4DAE) has a two-byte code in GB18030 (0xFE9F); 𠮷 needs four.
    assert rare.byte_length("gb18030") == 2 + 4 + 2
    with pytest.raises(InvalidName) as info:
        rare.byte_length("gbk")
    assert info.value.code == "name.unencodable"
    assert PersonName("马小明").masked() == "马**"


@given(st.text(max_size=30))
def test_name_junk_gives_only_library_errors(text: str) -> None:
    try:
        name = PersonName(text)
    except InvalidName:
        return
    assert PersonName(str(name)) == name  # normalisation is idempotent


@given(st.text(max_size=25))
def test_id_junk_gives_only_library_errors(text: str) -> None:
    with contextlib.suppress(InvalidIdNumber):
        ResidentIdNumber(text)


@pytest.mark.parametrize(
    ("raw", "expected", "mobile"),
    [
        ("13912345678", "13912345678", True),
        ("+86 139 1234 5678", "13912345678", True),
        ("8613912345678", "13912345678", True),
        ("0951-1234567", "0951-1234567", False),
    ],
)
def test_phone(raw: str, expected: str, mobile: bool) -> None:
    phone = Phone(raw)
    assert phone == expected
    assert phone.is_mobile is mobile


def test_phone_masking_and_refusal() -> None:
    assert Phone("13912345678").masked() == "139****5678"
    assert Phone("0951-1234567").masked() == "0951-***4567"
    for bad in ("1391234567", "23912345678", "phone", "0951 1234567x"):
        with pytest.raises(InvalidPhone):
            Phone(bad)


class _Person(BaseModel):
    id_number: ResidentIdNumber
    name: PersonName


def test_pydantic_integration() -> None:
    assert TypeAdapter(ResidentIdNumber).validate_python("11010519491231002x") == (
        "11010519491231002X"
    )
    person = _Person(id_number=ResidentIdNumber("11010519491231002X"), name=PersonName("马兰"))
    assert _Person.model_validate_json(person.model_dump_json()) == person
    assert type(_Person.model_validate_json(person.model_dump_json()).name) is PersonName


def test_reprs_are_masked_everywhere() -> None:
    from ningxia_yikatong import AccountNumber, BankAccount, Beneficiary

    rid = ResidentIdNumber("11010519491231002X")
    account = AccountNumber("6217000012345678901")
    beneficiary = Beneficiary(
        id_number=rid,
        name="马兰",
        region="640122",
        phone="13912345678",
        account=BankAccount(number=account, bank="psbc", holder_name="马兰"),
    )
    text = repr(beneficiary)
    for secret in (str(rid), str(account), "13912345678"):
        assert secret not in text
    assert "110105********002X" in text
    assert str(rid) == "11010519491231002X"  # the value itself is whole
