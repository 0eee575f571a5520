"""The README's First steps, replayed as written on a fresh database, so that they cannot rot:
each `stockpool` line through the CLI, each `curl` line through the app."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stockpool.entrypoints.api.app import create_app
from stockpool.entrypoints.cli.main import app as cli_app

README = Path(__file__).resolve().parents[2] / "README.md"
WALK = ("/v1/channels/", "/v1/locations/", "/v1/skus/", "/v1/stock/receipts", "/v1/orders")


def first_steps() -> list[list[str]]:
    """The shell commands of the First steps' code blocks, as words (comments dropped)."""
    section = README.read_text(encoding="utf-8").split("\n## First steps\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    script = "\n".join(re.findall(r"```sh\n(.*?)```", section, re.DOTALL))
    lines = script.replace("\\\n", " ").splitlines()
    return [words for line in lines if (words := shlex.split(line, comments=True))]


def expand(word: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$(\w+)", lambda m: variables[m.group(1)], word)


def curl(client: TestClient, words: list[str], variables: dict[str, str]) -> tuple[str, int]:
    """Send what this curl command line would; (method and path, status)."""
    method, body, url = None, None, None
    headers: dict[str, str] = {}
    options = iter(words[1:])
    for word in options:
        if word == "-X":
            method = next(options)
        elif word == "-H":
            name, _, value = expand(next(options), variables).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            body = next(options)
        else:
            assert not word.startswith("-"), f"curl {word}: teach this test what it does"
            url = word
    assert url is not None and url.startswith("localhost:8000/"), words
    if body is not None:  # as curl does: -d posts a form unless a content type is given
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    method = method or ("POST" if body is not None else "GET")
    path = url.removeprefix("localhost:8000")
    response = client.request(method, path, headers=headers, content=body)
    assert response.status_code < 300, f"{' '.join(words)}\n-> {response.text}"
    return f"{method} {path}", response.status_code


def test_the_first_steps_work_as_written_on_a_fresh_database(container, monkeypatch, tmp_path):
    monkeypatch.setenv("STOCKPOOL_DATABASE_URL", container.settings.database_url)
    monkeypatch.chdir(tmp_path)
    variables: dict[str, str] = {}
    sent: list[str] = []
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        for words in first_steps():
            if words[0].endswith("stockpool"):
                result = CliRunner().invoke(cli_app, words[1:])
                assert result.exit_code == 0, f"{' '.join(words)}\n-> {result.output}"
                if words[1:3] == ["keys", "create"]:
                    variables["KEY"] = result.stdout.splitlines()[-1]
            elif words[0] == "curl":
                sent.append(curl(client, words, variables)[0])
            else:
                name, sep, value = words[0].partition("=")
                assert sep and len(words) == 1, f"{' '.join(words)}: teach this test what it does"
                if name != "KEY":  # KEY=sp_... is where the reader pastes the key created above
                    variables[name] = expand(value, variables)
    assert "KEY" in variables, "the First steps must create a key"
    for step in WALK:
        assert any(step in request for request in sent), f"the First steps never call {step}"
    assert any(request.endswith("/availability") for request in sent)
