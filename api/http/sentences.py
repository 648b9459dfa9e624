"""The sentence a person reads in a problem's `error`, from what a validator said.

msgspec speaks to programmers ("Expected `int` >= 1 - at `$.give[...]`"), and so do Litestar's
parameter checks, which pass msgspec's words on. The shipped game client shows `error` to the
player, so those messages are put in plain words here; the detail keeps the validator's own.
A message this module does not know still gets a sentence naming the field, never the raw text.
"""

import re
from collections.abc import Callable, Mapping

# What a player should read when a body field they type is refused, by its JSON path.
FIELD_SENTENCES: Mapping[str, str] = {
    "$.username": "The username must be 3 to 32 letters, digits, '_', '.' or '-'.",
    "$.password": "The password must be 8 to 128 characters.",
    "$.referralCode": "A referral code is letters and digits only.",
    "$.amount": "The amount must be a whole number of at least 1.",
    "$.quantity": "The quantity must be a whole number of at least 1.",
    "$.item": "Name an item of the shop.",
    "$.to": "Name the receiving player by their username.",
    "$.player": "Name the player by their username.",
    "$.asset": "Name an asset: diamond or an item code.",
    "$.memo": "A memo is at most 140 characters.",
    "$.expiresIn": "The field expiresIn must be a whole number of seconds, at least 1.",
    "$.metadata": "The field metadata must be an object of string values.",
    "$.metadata[...]": "Every metadata value must be a string of at most 256 characters.",
}

_AT = re.compile(r"^(?P<message>.*) - at `(?P<path>[^`]*)`$", re.DOTALL)

_KINDS: Mapping[str, str] = {
    "int": "a whole number",
    "float": "a number",
    "str": "a string",
    "bool": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
    "datetime": "an RFC 3339 time",
    "uuid": "a UUID",
}

_BOUNDS: Mapping[str, str] = {">=": "at least", "<=": "at most"}
_LIMITS: Mapping[str, str] = {">=": "of at least", "<=": "of at most", ">": "above", "<": "below"}

Rule = tuple[re.Pattern[str], Callable[[re.Match[str], str], str]]

_RULES: tuple[Rule, ...] = (
    (re.compile(r"Expected `([^`]+)`, got `[^`]+`"), lambda m, s: f"{s} must be {_kind(m[1])}"),
    (re.compile(r"Expected `([^`]+)`"), lambda m, s: f"{s} must be {_kind(m[1])}"),
    (
        re.compile(r"Expected `(int|float)` (>=|<=|>|<) (-?[0-9.e+]+)"),
        lambda m, s: f"{s} must be {_kind(m[1])} {_LIMITS[m[2]]} {m[3]}",
    ),
    (
        re.compile(r"Expected `int` that's a multiple of (\d+)"),
        lambda m, s: f"{s} must be a multiple of {m[1]}",
    ),
    (
        re.compile(r"Expected `str` of length (>=|<=) (\d+)"),
        lambda m, s: f"{s} must be {_BOUNDS[m[1]]} {m[2]} {_plural(m[2], 'character')} long",
    ),
    (
        re.compile(r"Expected `(?:array|object)` of length (>=|<=) (\d+)"),
        lambda m, s: f"{s} must have {_BOUNDS[m[1]]} {m[2]} {_plural(m[2], 'entry')}",
    ),
    (re.compile(r"Expected `array` of .*length.*"), lambda m, s: f"{s} has the wrong length"),
    (
        re.compile(r"Expected `str` matching regex .*"),
        lambda m, s: f"{s} is not in the expected format",
    ),
    (re.compile(r"Expected `\w+` with(?: no)? timezone.*"), lambda m, s: f"{s} has the wrong zone"),
    (
        re.compile(r"Object missing required field `([^`]+)`"),
        lambda m, s: f"{s} needs the field {m[1]}",
    ),
    (
        re.compile(r"Object contains unknown field `([^`]+)`"),
        lambda m, s: f"{s} has a field it does not take: {m[1]}",
    ),
    (
        re.compile(r"Invalid (?:enum )?value .*"),
        lambda m, s: f"{s} is not one of the values it takes",
    ),
    (re.compile(r"Invalid RFC3339 .*"), lambda m, s: f"{s} must be an RFC 3339 time"),
    (re.compile(r"Invalid UUID.*"), lambda m, s: f"{s} must be a UUID"),
    (re.compile(r"(?:Integer|Number) .*out of range.*"), lambda m, s: f"{s} is out of range"),
)


def sentence(text: str) -> str:
    """`text` as a sentence: capitalised and ending in a full stop."""
    text = text.strip() or "The request failed"
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


def of_body(message: str) -> str:
    """msgspec's refusal of a request body, in words (curated for the fields a player types)."""
    at = _AT.match(message)
    path = at["path"] if at else "$"
    curated = FIELD_SENTENCES.get(path)
    if curated is not None:
        return curated
    return of_check(at["message"] if at else message, _field(path))


def of_parameter(source: str | None, key: str, message: str) -> str:
    """Litestar's refusal of a path, query or header parameter, in words."""
    if source == "body":  # Litestar names the handler's argument (`data`), not a parameter
        return of_check(message, "the request body")
    where = f"the {source} parameter" if source else "the parameter"
    return of_check(message, f"{where} {key}")


def of_check(message: str, subject: str) -> str:
    """A validator's `message` about `subject` as a sentence (never the message itself)."""
    said = next(
        (rule(found, subject) for pattern, rule in _RULES if (found := pattern.fullmatch(message))),
        f"{subject} is invalid",
    )
    return sentence(said)


def _field(path: str) -> str:
    # `$` is the body, `$.a.b[0]` the field `a.b[0]`, `$.give[...]` every value of `give`.
    if path in ("", "$"):
        return "the request body"
    name = path.removeprefix("$.").removeprefix("$")
    if name.endswith("[...]"):
        return f"every value of the field {name.removesuffix('[...]')}"
    return f"the field {name}"


def _kind(types: str) -> str:
    kinds = [_KINDS.get(t.strip(), "of the documented type") for t in types.split("|")]
    kinds = [k for k in kinds if k != "null"] or ["null"]
    return " or ".join(dict.fromkeys(kinds))


def _plural(count: str, noun: str) -> str:
    if count == "1":
        return noun
    return f"{noun[:-1]}ies" if noun.endswith("y") else f"{noun}s"
