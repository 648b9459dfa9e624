"""`Ledger-Position` values and the positions a process remembers (infra/replica.py)."""

import pytest

from infra.replica import Positions, format_position, parse_position


@pytest.mark.parametrize("lsn", [0, 1, 0x16B374D848, 0xFFFFFFFFFFFFFFFF])
def test_a_position_reads_back_as_written(lsn: int) -> None:
    assert parse_position(format_position(lsn)) == lsn


def test_a_position_is_written_as_postgresql_writes_an_lsn() -> None:
    assert format_position(0x16B374D848) == "16/B374D848"
    assert parse_position("0/16b3748") == 0x16B3748


@pytest.mark.parametrize("text", ["", "16", "16/", "/1", "x/1", "1/2/3", "123456789/0", " 1/2"])
def test_what_is_not_a_position_is_none(text: str) -> None:
    assert parse_position(text) is None


def test_a_read_must_see_the_latest_write_to_any_stream_it_reads() -> None:
    positions = Positions()
    positions.remember(["player:a", "treasury:shard:0"], 10)
    positions.remember(["player:b"], 20)
    positions.remember(["player:a"], 5)  # a position never goes back
    assert positions.needed(["player:a"]) == 10
    assert positions.needed(["player:a", "player:b"]) == 20
    assert positions.needed(["player:c"]) == 0


def test_the_least_recently_written_streams_are_forgotten_first() -> None:
    positions = Positions(size=2)
    positions.remember(["a"], 1)
    positions.remember(["b"], 2)
    positions.remember(["a"], 3)
    positions.remember(["c"], 4)
    assert positions.needed(["b"]) == 0
    assert (positions.needed(["a"]), positions.needed(["c"])) == (3, 4)
