"""What a person reads (a problem's `error`) from a validator's message: plain words, never the
message itself (issue 25)."""

from typing import Annotated

import msgspec
import pytest
from msgspec import Meta

from api.http import sentences
from domain.wording import amounts, listed


class Body(msgspec.Struct, forbid_unknown_fields=True):
    count: Annotated[int, Meta(ge=1)]
    name: Annotated[str, Meta(min_length=3, pattern="^[a-z]+$")] = "abc"
    tags: Annotated[list[str], Meta(min_length=1)] = msgspec.field(default_factory=lambda: ["a"])
    give: dict[str, Annotated[int, Meta(ge=1)]] = msgspec.field(default_factory=dict)
    kind: int | None = None


def refusal(raw: bytes) -> str:
    with pytest.raises(msgspec.ValidationError) as error:
        msgspec.json.decode(raw, type=Body, strict=True)
    return str(error.value)


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b'{"count": "2"}', "The field count must be a whole number."),
        (b'{"count": 0}', "The field count must be a whole number of at least 1."),
        (b'{"count": 1, "name": "ab"}', "The field name must be at least 3 characters long."),
        (b'{"count": 1, "name": "ABC"}', "The field name is not in the expected format."),
        (b'{"count": 1, "tags": []}', "The field tags must have at least 1 entry."),
        (
            b'{"count": 1, "give": {"a": 0}}',
            "Every value of the field give must be a whole number of at least 1.",
        ),
        (b'{"count": 1, "kind": "x"}', "The field kind must be a whole number."),
        (b"{}", "The request body needs the field count."),
        (b'{"count": 1, "age": 3}', "The request body has a field it does not take: age."),
        (b"[1]", "The request body must be an object."),
    ],
)
def test_msgspec_refusals_are_put_in_words(raw: bytes, said: str) -> None:
    assert sentences.of_body(refusal(raw)) == said


def test_a_field_a_player_types_has_its_own_sentence() -> None:
    message = "Expected `int` >= 1 - at `$.amount`"
    assert sentences.of_body(message) == "The amount must be a whole number of at least 1."


def test_an_unknown_message_is_never_passed_on() -> None:
    said = sentences.of_body("Something new {'a': None} - at `$.x`")
    assert said == "The field x is invalid."


PARAMETERS = [
    ("query", "Expected `int | null`, got `str`", "must be a whole number."),
    ("path", "Expected `str` matching regex '^[a-z]+$'", "is not in the expected format."),
    ("body", "Expected `object`, got `array`", ""),
    (None, "Missing required parameter 'limit' for GET /x", "is invalid."),
]


@pytest.mark.parametrize(("source", "message", "said"), PARAMETERS)
def test_parameter_refusals_are_put_in_words(source: str | None, message: str, said: str) -> None:
    where = f"The {source} parameter limit" if source else "The parameter limit"
    expected = f"{where} {said}" if source != "body" else "The request body must be an object."
    assert sentences.of_parameter(source, "limit", message) == expected


def test_lists_and_amounts_read_as_a_person_writes_them() -> None:
    assert [listed([]), listed(["a"]), listed(["a", "b"]), listed(["a", "b", "c"])] == [
        "",
        "a",
        "a and b",
        "a, b and c",
    ]
    names = {"diamond": "Diamonds", "star": "Stars"}
    assert amounts({"diamond": 20, "star": 150, "gem": 1}, names) == (
        "20 Diamonds, 150 Stars and 1 gem"
    )
