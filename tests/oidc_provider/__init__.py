"""A real OpenID provider for the sign-in tests: server.mjs here (the certified oidc-provider
package under Node.js) on 127.0.0.1, started once per test session by `start_provider`.

`npm ci` runs first when node_modules is missing (package-lock.json pins every package).
Without Node.js or the packages, the tests that need the provider are skipped with the reason
(.ci/run installs them and says so when it cannot).
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "sop-test"
CLIENT_SECRET = "sop-test-secret"
START_SECONDS = 30


class ProviderUnavailable(Exception):
    """Node.js or the provider's packages are not there, or it did not start."""


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def set_account(self, login: str, **claims) -> None:
        """Shape the account `login` signs in as: name, email, groups, sub, extra (claims),
        tamper ("audience", "issuer", "expired", "signature")."""
        response = requests.post(f"{self.issuer}/_test/accounts/{login}", json=claims, timeout=10)
        response.raise_for_status()

    def settings(self) -> dict:
        """Return the Django settings that point the site at this provider."""
        return {
            "SOP_OIDC_DISCOVERY_URL": self.discovery_url,
            "SOP_OIDC_ISSUER": "",
            "SOP_OIDC_CLIENT_ID": CLIENT_ID,
            "SOP_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_RP_SCOPES": "openid email profile groups",
        }


def install() -> None:
    """Run `npm ci` if the provider's packages are missing (once, whatever the workers)."""
    if (HERE / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        raise ProviderUnavailable(
            "Node.js (node, npm) is not installed: apt-get install nodejs npm"
        )
    with open(HERE / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist's workers: one npm ci at a time
        if (HERE / "node_modules" / "oidc-provider").is_dir():
            return
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
    if result.returncode != 0:
        raise ProviderUnavailable(f"npm ci failed in {HERE}: {result.stderr[-2000:]}")


def start_provider(*, redirect_uris: list[str]) -> Provider:
    """Start server.mjs on a free port of 127.0.0.1 and wait for its discovery document."""
    install()
    command = [shutil.which("node") or "node", str(HERE / "server.mjs"), "--port", "0"]
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    # Its warnings go to a file, not a pipe nobody drains.
    errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(command, cwd=HERE, stdout=subprocess.PIPE, stderr=errors, text=True)
    issuer = (process.stdout.readline() or "").strip()
    if not issuer.startswith("http://127.0.0.1:"):
        process.kill()
        errors.seek(0)
        raise ProviderUnavailable(f"the OpenID provider did not start: {errors.read()[-2000:]}")
    provider = Provider(issuer=issuer, process=process)
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if requests.get(provider.discovery_url, timeout=5).json().get("issuer") == issuer:
                return provider
        except (requests.RequestException, ValueError):
            pass
        if time.monotonic() > deadline:
            stop_provider(provider)
            raise ProviderUnavailable("the OpenID provider's discovery document never answered")
        time.sleep(0.2)


def stop_provider(provider: Provider) -> None:
    """Stop the provider's process (it was started by this test run)."""
    provider.process.terminate()
    try:
        provider.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        provider.process.kill()
        provider.process.wait()
