"""Hostile input, through the local server and both platform handlers: a clear 4xx with a JSON error, never a
5xx or a traceback, the server still serving, and nothing stored outside the configured directory."""

import pytest

from tests.reliability.cases import CASES, Case
from tests.reliability.conftest import TALLY, Target


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(target: Target, case: Case):
    TALLY[f"hostile cases tried ({target.name})"] += 1
    answer = target.send(case.method, case.path, case.headers, case.body)
    assert case.accepts(answer.status), (answer.status, answer.body)
    assert isinstance(answer.body, dict), answer.body
    if answer.status >= 400:
        reasons = [answer.body["error"], *(e["error"] for e in answer.body.get("errors", []))]
        assert any(case.why in reason for reason in reasons), reasons
        assert "Traceback" not in str(answer.body)
    assert "set-cookie" not in answer.headers
    assert target.send("GET", "/health", {}).status == 200
    assert all(key.startswith(f"{target.directory}/") for key in target.stored())
    assert "Traceback" not in target.log()
