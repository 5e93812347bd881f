"""The command line: version, help texts, flags, exit codes, Ctrl-C, unwritable folders, dataset ids.

Every drugtrends error is one message and exit code 2, never a traceback;
Ctrl-C is ``interrupted`` and exit code 130.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from drugtrends import __version__, cli
from drugtrends.cli import app, main

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_version():
    r = invoke("--version")
    assert r.exit_code == 0 and r.output.strip() == f"drugtrends {__version__}"
    from importlib.metadata import version

    assert __version__ == version("drugtrends"), "one version: pyproject reads it from drugtrends/__init__.py"


def test_help_lists_reports_parameters_and_dataset_ids():
    out = invoke("render", "--help").output
    for name in ["factsheet", "trends", "profiles", "methods"]:
        assert re.search(rf"^\s+{name}\s", out, re.M), f"render --help does not list {name}"
    assert "substance=cocaine*" in out and "lang=en" in out and "cannabis" in out
    assert "Languages (-P lang=...): en, fr" in out
    out = invoke("fetch", "--help").output
    assert re.search(r"unodc_prevalence\s+-> unodc_wdr2025", out) and "nhanes_2009_2012" in out


@pytest.mark.parametrize("args", [[], ["fetch"], ["render"]])
def test_flags_are_flags(args):
    out = invoke(*args, "--help").output
    assert "<bool>" not in out and "--force <" not in out, out
    assert "Traceback" not in out


def test_drugtrends_error_is_a_message_and_exit_2():
    r = invoke("render", "no_such_report")
    assert r.exit_code == 2
    assert "error: unknown report 'no_such_report'" in r.output and "factsheet" in r.output
    assert "Traceback" not in r.output


def test_ctrl_c_is_clean(monkeypatch, capsys):
    from drugtrends import render

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "render_reports", interrupted)
    r = invoke("render", "trends")
    assert r.exit_code == 130 and "interrupted" in r.output and "Traceback" not in r.output
    with pytest.raises(SystemExit) as exc:  # the installed script's entry point
        main(["render", "trends"])
    assert exc.value.code == 130
    assert "Traceback" not in capsys.readouterr().err


def test_usage_error_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["render", "--to"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0


def test_unwritable_data_directory(monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv("DRUGTRENDS_DATA", str(tmp_path / "a-file" / "data"))
    r = invoke("fetch", "cdc_vsrr", "--quiet")
    assert r.exit_code == 2, r.output
    assert "cannot write the fetched data to" in r.output and "DRUGTRENDS_DATA" in r.output
    assert "Traceback" not in r.output


def test_unwritable_output_directory(tmp_path):
    (tmp_path / "a-file").write_text("x")
    r = invoke("render", "methods", "--to", "html", "--output-dir", str(tmp_path / "a-file" / "out"))
    assert r.exit_code == 2 and "cannot write the rendered reports to" in r.output
    assert "Traceback" not in r.output


def test_fetch_takes_load_ids_and_verify(monkeypatch, tmp_path):
    from drugtrends import fetch

    assert cli.to_fetch_ids(["unodc_prevalence", "unodc_youth", "cdc_vsrr", "unodc_wdr2025"]) \
        == ["unodc_wdr2025", "cdc_vsrr"]
    calls = []

    def fake_fetch(ids=None, mirror=None, force=False, quiet=False, verify=False):
        calls.append((ids, force, verify))

    monkeypatch.setenv("DRUGTRENDS_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(fetch, "fetch", fake_fetch)
    r = invoke("fetch", "unodc_seizures", "--verify", "--force", "-q")
    assert r.exit_code == 0, r.output
    assert calls == [(["unodc_wdr2025"], True, True)]


def test_render_without_any_data_exits_2(monkeypatch, tmp_path):
    """Issue 14: a report with no data at all does not exit 0; the message says what to fetch."""
    monkeypatch.setenv("DRUGTRENDS_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("DRUGTRENDS_MIRROR", "none")
    r = invoke("render", "trends", "--to", "html", "--output-dir", str(tmp_path / "out"))
    assert r.exit_code == 2, r.output
    out = " ".join(r.output.split())
    assert "report 'trends' has no data" in out and "drugtrends fetch unodc_wdr2025" in out
    assert "Traceback" not in r.output and "/" + "work" not in out.replace(str(tmp_path), "")
    assert not list((tmp_path / "out").glob("trends*"))


def test_keep_going_renders_the_others_then_exits_2(tmp_path, monkeypatch):
    d = tmp_path / "reports"
    d.mkdir()
    (d / "a.qmd").write_text("---\ntitle: A\ndrugtrends: {datasets: [no_such_dataset]}\n---\nText.\n")
    (d / "b.qmd").write_text("---\ntitle: B\n---\nText.\n")
    from drugtrends import render

    kw = dict(to="html", engine="builtin", reports_dir=d, output_dir=tmp_path / "o", quiet=True)
    with pytest.raises(Exception, match="has no data"):
        render.render_reports(None, **kw)
    assert not (tmp_path / "o" / "b.html").exists()  # stopped at the first failure
    with pytest.raises(Exception, match=r"1 render\(s\) failed \(1 file\(s\) written\):\n  a: report 'a' has no data"):
        render.render_reports(None, keep_going=True, **kw)
    assert (tmp_path / "o" / "b.html").exists()
    r = invoke("render", "--help")
    assert "--keep-going" in r.output


# --------------------------------------------------------------------------- natural mistakes (issue 24)
def test_a_parameter_given_twice_is_refused():
    r = invoke("render", "factsheet", "-P", "substance=cocaine", "-P", "substance=crack", "--to", "html")
    assert r.exit_code == 2 and "'substance' is given twice" in r.output and "Traceback" not in r.output


def test_fetch_offers_did_you_mean():
    r = invoke("fetch", "unodc_prevalance")
    assert r.exit_code == 2 and "Did you mean: 'unodc_prevalence'" in r.output and "Traceback" not in r.output


def test_a_parameter_of_the_wrong_kind_is_refused_before_running():
    r = invoke("render", "profiles", "-P", "teds_year=abc", "--to", "html")
    assert r.exit_code == 2 and "teds_year='abc'" in r.output and "whole number such as" in r.output


def test_a_non_utf8_qmd_is_a_render_error_naming_the_file(tmp_path):
    f = tmp_path / "latin1.qmd"
    f.write_bytes("---\ntitle: Café\n---\n\nTexte accentué\n".encode("latin-1"))
    r = invoke("render", str(f), "--to", "html", "--output-dir", str(tmp_path / "out"))
    assert r.exit_code == 2 and "latin1.qmd is not UTF-8 text" in r.output and "UnicodeDecodeError" not in r.output


def test_interrupted_kernel_run_leaves_no_kernel_folder(tmp_path, monkeypatch):
    """Ctrl-C while the kernel runs: KeyboardInterrupt goes up and the drugtrends-kernel-* folder is gone."""
    import tempfile

    import nbformat

    from drugtrends.render import execute
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(execute, "_run_in_kernel", interrupted)
    nb = nbformat.v4.new_notebook()
    with pytest.raises(KeyboardInterrupt):
        execute.run_notebook(nb, tmp_path, name="demo")
    assert not list(tmp_path.glob("drugtrends-kernel-*"))


def test_ctrl_c_reaching_pandoc_first_is_an_interrupt_not_a_failure(monkeypatch):
    import signal
    import subprocess

    from drugtrends.render import output

    class Done:
        returncode = -signal.SIGINT
        stderr = ""
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: Done())
    with pytest.raises(KeyboardInterrupt):
        output.run_pandoc(["--version"], "demo")


def test_a_native_call_is_interruptible():
    from drugtrends.render.output import interruptible
    assert interruptible(max, 3, 7) == 7
    with pytest.raises(ZeroDivisionError):
        interruptible(lambda: 1 / 0)
