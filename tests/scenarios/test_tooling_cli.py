"""`gameledger scenario` and `bench` from an installed wheel, where the tooling is absent: they
name the development entry points (`python -m harness scenario`, `python -m bench`)."""

import sys

import pytest

from cli import main as cli


@pytest.mark.parametrize("argv", [["scenario", "double-spend"], ["bench", "--quick"]])
def test_without_the_tooling_the_command_says_so_in_one_line(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # None in sys.modules makes `import harness` / `import bench` fail as if not installed.
    for name in ("harness", "harness.cli", "bench", "bench.run"):
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/unused")
    # Logging set up on capsys' stream would outlive it and break the tests after this one.
    monkeypatch.setattr(cli.infra_logging, "configure", lambda *_: None)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "development tooling" in err


@pytest.mark.parametrize(
    ("argv", "entry"),
    [
        (["scenario", "clock", "--quick"], "python -m harness scenario"),
        (["bench"], "python -m bench"),
    ],
)
def test_the_moved_commands_name_their_development_entry_point(
    argv: list[str], entry: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    assert entry in capsys.readouterr().err
