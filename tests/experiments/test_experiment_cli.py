"""``emoscore experiment``: bad mixing ratios are one-line errors."""

from __future__ import annotations

from emoscore.cli import main


def test_bad_ratio_is_a_one_line_error(capfd) -> None:  # type: ignore[no-untyped-def]
    code = 0
    try:
        main(["experiment", "joint", "--k", "0,2"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    _, err = capfd.readouterr()
    assert (
        code == 1
        and err.strip() == "emoscore: '0,2': mixing ratios must be numbers in [0, 1], comma separated"
    )


def test_help_lists_the_experiments(capfd) -> None:  # type: ignore[no-untyped-def]
    try:
        main(["experiment", "--help"])
    except SystemExit:
        pass
    out, _ = capfd.readouterr()
    assert all(name in out for name in ("transfer", "joint", "emopia", "curves"))
