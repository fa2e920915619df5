"""`manage.py check --deploy` with production settings from the environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _check_deploy(**env_overrides: str) -> subprocess.CompletedProcess:
    # only what an operator would set: nothing leaks in from the test settings' environment
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "storefront.settings",
        "DEBUG": "False",
        "ALLOWED_HOSTS": "shop.example.com",
        **env_overrides,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _check_deploy(SECRET_KEY=secrets.token_urlsafe(45)[:60])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_catches_a_weak_secret_key():
    # the same check fails loudly when the operator sets a short key
    result = _check_deploy(SECRET_KEY="short")

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr
