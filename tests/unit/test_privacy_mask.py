"""R26: what a masked number or name looks like (domain.privacy), as properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.privacy import mask_name, mask_number, sees_numbers

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)
punctuated = st.text(alphabet="0123456789+- ()", min_size=0, max_size=24)


def test_the_issue_s_example_and_the_short_numbers() -> None:
    assert mask_number("13912341234") == "139****1234"
    assert mask_number("+8613912341234") == "+861******1234"
    assert mask_number("010-62345678") == "010-****5678"
    assert mask_number("62345678") == "62****78"
    assert mask_number("95555") == "*****"
    assert mask_number("1001") == "****"
    assert mask_number("") == ""
    assert mask_number("anonymous") == "anonymous"


@given(punctuated)
def test_only_digits_are_hidden_and_the_shape_is_kept(number: str) -> None:
    masked = mask_number(number)
    assert len(masked) == len(number)
    for before, after in zip(number, masked, strict=True):
        assert after == before if not before.isdigit() else after in (before, "*")


@given(digits)
def test_at_least_four_digits_or_all_of_them_are_hidden(number: str) -> None:
    hidden = mask_number(number).count("*")
    assert hidden >= min(4, len(number))
    assert hidden == len(number) or hidden >= 4
    # What is shown is never more than 7 digits: 3 at the front, 4 at the end.
    assert len(number) - hidden <= 7


@given(st.text(alphabet="0123456789", min_size=11, max_size=20))
def test_a_long_number_keeps_its_first_three_and_last_four(number: str) -> None:
    masked = mask_number(number)
    assert masked[:3] == number[:3] and masked[-4:] == number[-4:]
    assert masked[3:-4] == "*" * (len(number) - 7)


@given(st.text(min_size=1, max_size=12).filter(lambda s: s.strip() != ""))
def test_a_name_keeps_one_character(name: str) -> None:
    masked = mask_name(name)
    if any(c.isdigit() for c in name) and all(c.isdigit() or c in "+-() " for c in name.strip()):
        assert masked == mask_number(name)
    else:
        assert masked[0] == name.strip()[0]
        assert set(masked[1:]) <= {"*"}


def test_names() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("13912341234") == "139****1234"
    assert mask_name("") == ""


def test_who_sees_numbers() -> None:
    roles = frozenset({"admin", "agent:1001"})
    assert sees_numbers("admin", roles)
    assert not sees_numbers("qa", roles)
    assert sees_numbers("agent:1001", roles)
    assert not sees_numbers("agent:1002", roles)
    assert sees_numbers("agent:1002", frozenset({"agent"}))
    assert not sees_numbers("agent", frozenset({"agent:1001"}))
