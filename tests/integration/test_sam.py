"""The SAM template validates (with cfn-lint) and builds here: no Docker, no python3.13 needed."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SAM = shutil.which("sam", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(SAM is None, reason="sam CLI not installed (make test installs aws-sam-cli)")]


def sam(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PYTHON": sys.executable}
    return subprocess.run([SAM, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_template_validates_with_lint():
    result = sam("validate", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_build_holds_only_the_lambda_code_and_its_arm64_dependencies(tmp_path):
    result = sam("build", "--build-dir", str(tmp_path / "build"))
    assert result.returncode == 0, result.stdout + result.stderr
    artifact = tmp_path / "build" / "IngestFunction"
    top = {p.name for p in artifact.iterdir()}
    assert {"core", "aws_lambda", "aws_lambda_powertools", "boto3", "orjson"} <= top
    assert not {"tests", "azure", "azure_function", "function_app.py", "bench", "events"} & top
    assert not any(name.startswith("azure") for name in top)
    assert list(artifact.glob("orjson/*aarch64*.so")), "orjson must be the arm64 wheel"
    with zipfile.ZipFile(tmp_path / "artifact.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in artifact.rglob("*"):
            archive.write(path, path.relative_to(artifact))
    size = (tmp_path / "artifact.zip").stat().st_size
    print(f"Lambda artifact: {size / 2**20:.1f} MiB zipped")
    assert size < 50 * 2**20  # Lambda's direct-upload limit
