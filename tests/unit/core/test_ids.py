import pytest

from obsctl.core.errors import UsageError
from obsctl.core.ids import parse_span_id, parse_trace_id, trace_id_forms

TID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (TID.upper(), TID),
        (f"  {TID}\n", TID),
        ("A3CE929D0E0E4736", "0000000000000000a3ce929d0e0e4736"),
        (f"00-{TID}-00f067aa0ba902b7-01", TID),
        (f"00-{TID.upper()}-00F067AA0BA902B7-01", TID),
    ],
)
def test_trace_id_forms_accepted(text: str, expected: str):
    assert parse_trace_id(text) == expected


@pytest.mark.parametrize(
    "text", ["", "xyz", "0102", TID[:-1], TID + "1", "g" * 32, "00-zz-01", "0" * 32, "0" * 16]
)
def test_bad_trace_ids_are_usage_errors(text: str):
    with pytest.raises(UsageError) as err:
        parse_trace_id(text)
    assert err.value.exit_code == 2
    assert str(err.value).startswith(f"invalid trace id {text!r}")


def test_caller_wording_and_zero_trace():
    with pytest.raises(UsageError, match=r"^not a trace id: 'xyz'$"):
        parse_trace_id("xyz", problem="not a trace id: {text!r}")
    with pytest.raises(UsageError, match="all zeros means no trace"):
        parse_trace_id(f"00-{'0' * 32}-00f067aa0ba902b7-01")


def test_64_bit_ids_have_two_spellings():
    assert trace_id_forms(TID) == [TID]
    assert trace_id_forms("0" * 16 + "a3ce929d0e0e4736") == [
        "a3ce929d0e0e4736",
        "0" * 16 + "a3ce929d0e0e4736",
    ]


def test_span_ids():
    assert parse_span_id("00F067AA0BA902B7") == "00f067aa0ba902b7"
    assert parse_span_id(f"00-{TID}-00f067aa0ba902b7-01") == "00f067aa0ba902b7"
    for bad in ("", "abc", TID, "0" * 16, "z" * 16):
        with pytest.raises(UsageError, match="span id"):
            parse_span_id(bad)
