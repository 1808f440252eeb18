"""`flask classify`, driven through click's test runner with no app or database."""

import json

import pytest
from click.testing import CliRunner

from tracker.checkins.cli import classify_command

TALK_TEXT = "We will review every supplier contract next quarter."
ACTION_TEXT = "Terminated the Acme call-centre contract on 3 March and hired 42 agents in-house."


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def test_each_argument_is_printed_as_one_json_line_in_order(runner):
    result = runner.invoke(classify_command, [TALK_TEXT, ACTION_TEXT])

    assert result.exit_code == 0, result.output
    lines = _json_lines(result.stdout)
    assert [line["text"] for line in lines] == [TALK_TEXT, ACTION_TEXT]
    assert [line["kind"] for line in lines] == ["talk", "action"]


def test_every_line_has_text_kind_and_non_empty_reasons(runner):
    result = runner.invoke(classify_command, [TALK_TEXT, ACTION_TEXT, "Customers."])

    for line in _json_lines(result.stdout):
        assert set(line) == {"text", "kind", "reasons"}
        assert line["kind"] in {"talk", "action"}
        assert line["reasons"]
        assert all(isinstance(reason, str) for reason in line["reasons"])


def test_reasons_explain_the_verdict(runner):
    result = runner.invoke(classify_command, [TALK_TEXT])

    (line,) = _json_lines(result.stdout)
    assert any("'will'" in reason for reason in line["reasons"])


def test_without_arguments_statements_are_read_from_stdin_skipping_blank_lines(runner):
    stdin = f"{TALK_TEXT}\n\n   \n\t\n{ACTION_TEXT}\r\n\n"

    result = runner.invoke(classify_command, [], input=stdin)

    assert result.exit_code == 0, result.output
    lines = _json_lines(result.stdout)
    assert [line["text"] for line in lines] == [TALK_TEXT, ACTION_TEXT]
    assert [line["kind"] for line in lines] == ["talk", "action"]


def test_empty_stdin_prints_nothing_and_succeeds(runner):
    result = runner.invoke(classify_command, [], input="")

    assert result.exit_code == 0
    assert result.stdout == ""


def test_non_ascii_text_is_printed_as_is_not_escaped(runner):
    text = "Paid £40 refunds to 12 customers in Zürich on 2 May."

    result = runner.invoke(classify_command, [text])

    assert "£40" in result.stdout and "Zürich" in result.stdout
    (line,) = _json_lines(result.stdout)
    assert line["text"] == text


def test_undecodable_input_is_classified_instead_of_crashing(runner):
    # A stray byte in argv reaches Python as a lone surrogate.
    result = runner.invoke(classify_command, ["Hired 3 agents \udcff today"])

    assert result.exit_code == 0, result.output
    (line,) = _json_lines(result.stdout)
    assert line["kind"] == "action"
    assert "\ufffd" in line["text"]


def test_invalid_utf8_on_stdin_is_replaced_not_fatal(runner):
    result = runner.invoke(classify_command, [], input=b"Hired 3 agents \xff today\nWe will see\n")

    assert result.exit_code == 0, result.output
    lines = _json_lines(result.stdout)
    assert [line["kind"] for line in lines] == ["action", "talk"]
    assert lines[0]["text"] == "Hired 3 agents \ufffd today"


def test_markup_and_quotes_in_text_still_give_one_valid_json_line(runner):
    text = '<script>alert("will")</script> "quoted" \\ back\\slash'

    result = runner.invoke(classify_command, [text])

    (line,) = _json_lines(result.stdout)
    assert line["text"] == text


def test_flask_classify_needs_no_database(tmp_path):
    """`flask --app app classify` works with an unreachable database configured."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/missing"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "classify",
         "Terminated the Acme contract (ref #4471) on 3 March."],
        cwd=root, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout.strip())
    assert line["kind"] == "action"
    assert not (tmp_path / "tracker.sqlite").exists()


def test_evaluate_prints_accuracy_precision_recall_and_the_confusion_matrix(runner, tmp_path):
    labelled = tmp_path / "set.csv"
    labelled.write_text(
        "label,text\n"
        f"talk,{TALK_TEXT}\n"
        f'action,"{ACTION_TEXT}"\n'
        "action,Customers.\n",  # a miss: action suggested as talk
        encoding="utf-8",
    )

    result = runner.invoke(classify_command, ["--evaluate", str(labelled)])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "accuracy: 66.7% (2/3)" in lines
    assert "talk called action: 0.0%" in lines
    assert "talk: precision 50.0%, recall 100.0%" in lines
    assert "action: precision 100.0%, recall 50.0%" in lines
    assert lines[-2].split() == ["labelled", "talk", "1", "0"]
    assert lines[-1].split() == ["labelled", "action", "1", "1"]


def test_evaluate_refuses_a_csv_without_label_and_text_columns(runner, tmp_path):
    labelled = tmp_path / "set.csv"
    labelled.write_text("kind,statement\ntalk,We will\n", encoding="utf-8")

    result = runner.invoke(classify_command, ["--evaluate", str(labelled)])

    assert result.exit_code != 0
    assert "label and text" in result.output


def test_evaluate_names_the_line_of_an_unknown_label(runner, tmp_path):
    labelled = tmp_path / "set.csv"
    labelled.write_text("label,text\ntalk,We will\nmaybe,Hired 3\n", encoding="utf-8")

    result = runner.invoke(classify_command, ["--evaluate", str(labelled)])

    assert result.exit_code != 0
    assert "line 3" in result.output and "maybe" in result.output


def test_evaluate_of_a_missing_file_is_an_error_not_a_traceback(runner, tmp_path):
    result = runner.invoke(classify_command, ["--evaluate", str(tmp_path / "missing.csv")])

    assert result.exit_code != 0
    assert "missing.csv" in result.output
    assert "Traceback" not in result.output
