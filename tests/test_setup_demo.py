"""`make run`'s first step: the demo logins it prints point at the port it serves on."""

from __future__ import annotations

import subprocess
import sys

from tests.mail import PROJECT


def test_the_demo_logins_name_the_port_make_run_uses(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        # the printed text is the point, not the database: a file of its own on either run
        "DATABASE_URL": f"sqlite:///{tmp_path}/demo.db",
        "SECRET_KEY": "s" * 32,  # a throwaway key for the subprocess
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "PORTAL_DEMO": "1",
    }
    flask = [sys.executable, "-m", "flask", "--app", "portal", "setup-demo", "--cases", "3"]
    done = subprocess.run(
        [*flask, "--port", "5123"], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "http://127.0.0.1:5123/asesi/masuk" in done.stdout
    assert "http://127.0.0.1:5123/login" in done.stdout
    assert ":5000" not in done.stdout
