"""One header policy for every command (issue 9 item 19, docs/output.md): with no -o, piped output
is headerless TSV (or a command's own line format); an explicit `-o tsv` always starts with the
header row, followed by exactly the rows the piped default prints."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures"
SHADOWED = str(FIXTURES / "alertmanager" / "differential" / "shadowed.yml")
EXPOSITION = "# TYPE up gauge\nup{job=\"a\"} 1\nup{job=\"b\"} 0\n"


def _contexts(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "c.yaml"
    path.write_text(
        "current-context: a\ncontexts:\n  a: {prometheus: {url: 'http://127.0.0.1:9'}}\n  b: {}\n", encoding="utf-8"
    )
    return {"OBSCTL_CONFIG": str(path)}


@pytest.mark.parametrize(
    ("args", "header"),
    [
        (["config", "get-contexts"], "current\tname\tbackends"),
        (["metrics", "scrape", "{file}"], None),
    ],
)
def test_tsv_is_the_piped_default_plus_a_header(run_cli, tmp_path, args, header):
    scrape = tmp_path / "m.txt"
    scrape.write_text(EXPOSITION, encoding="utf-8")
    args = [a.replace("{file}", str(scrape)) for a in args]
    env = _contexts(tmp_path)
    piped = run_cli(args, env=env)
    tsv = run_cli([*args, "-o", "tsv"], env=env)
    assert piped.exit_code == tsv.exit_code == 0, piped.output + tsv.output
    lines = tsv.stdout.splitlines()
    assert lines[1:] == piped.stdout.splitlines()
    assert lines[0] != piped.stdout.splitlines()[0]
    if header is not None:
        assert lines[0] == header


def test_alerts_check_tsv_has_the_header_too(run_cli):
    tsv = run_cli(["alerts", "check", SHADOWED, "-o", "tsv"])
    lines = tsv.stdout.splitlines()
    assert lines[0] == "location\tseverity\tcode\tmessage\tpath"
    assert len(lines) > 1 and all(len(line.split("\t")) == 5 for line in lines)


def test_empty_no_color_keeps_colour_end_to_end(run_cli):
    """no-color.org: only a non-empty NO_COLOR disables colour (issue 9 item 14)."""
    coloured = run_cli(["alerts", "check", SHADOWED], tty=True, env={"NO_COLOR": "", "TERM": "xterm"})
    plain = run_cli(["alerts", "check", SHADOWED], tty=True, env={"NO_COLOR": "1", "TERM": "xterm"})
    assert "\x1b[33mwarning\x1b[0m" in coloured.stdout
    assert "\x1b[" not in plain.stdout and "warning" in plain.stdout
