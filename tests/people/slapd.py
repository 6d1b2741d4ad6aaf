"""A throwaway OpenLDAP server (Debian's slapd) for the LDAP sign-in tests.

`start()` writes a slapd.conf (mdb backend) into a temporary folder, loads a small directory
with slapadd, and starts slapd on a free 127.0.0.1 port as an unprivileged user; `stop()`
ends it and removes the folder. `start(tls=True)` also gives it a certificate for 127.0.0.1
and localhost from a throwaway certificate authority (`make_ca`, with the openssl command),
for StartTLS on that port and ldaps:// on a second one; it then answers nothing without TLS. The directory (SUFFIX):

    ou=people: alice (SOP Approvers), bob (SOP Editors), carol (Technicians, mapped to no
               role), dave (in no group), gina (SOP Approvers and SOP Editors), mallory (SOP
               Editors, markup in the name), admin (local account's name: "local-admin")
    ou=groups: SOP Approvers, SOP Editors, Technicians (groupOfNames)
    ou=service: the bind account the site searches with
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
LDAPMODIFY = shutil.which("ldapmodify") or "/usr/bin/ldapmodify"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
SUFFIX = "dc=example,dc=test"
ROOT_DN, ROOT_PASSWORD = f"cn=admin,{SUFFIX}", "root-secret"
BIND_DN, BIND_PASSWORD = f"cn=sop-reader,ou=service,{SUFFIX}", "bind-secret"
PASSWORD = "directory-password-1"
MARKUP_NAME = '<img src=x onerror="window.__xss=1">Mallory'
USERS = {
    "alice": ("Alice", "Approver", ["SOP Approvers"]),
    "bob": ("Bob", "Editor", ["SOP Editors"]),
    "carol": ("Carol", "Technician", ["Technicians"]),
    "dave": ("Dave", "Nogroup", []),
    "gina": ("Gina", "Both", ["SOP Approvers", "SOP Editors"]),
    "mallory": (MARKUP_NAME, "<b>Bold</b>", ["SOP Editors"]),
    "local-admin": ("Local", "Twin", ["SOP Approvers"]),
}
GROUPS = ["SOP Approvers", "SOP Editors", "Technicians"]


def user_dn(uid: str) -> str:
    return f"uid={uid},ou=people,{SUFFIX}"


def group_dn(name: str) -> str:
    return f"cn={name},ou=groups,{SUFFIX}"


def missing(*, tls: bool = False) -> str:
    """Return why slapd (with tls, and its certificates) cannot run here, or "" if it can."""
    if tls and not Path(OPENSSL).exists():
        return "openssl is not installed (apt-get install openssl)"
    if not (Path(SLAPD).exists() and Path(SLAPADD).exists()):
        return "slapd is not installed (apt-get install slapd ldap-utils)"
    if not Path(LDAPMODIFY).exists():
        return "ldapmodify is not installed (apt-get install ldap-utils)"
    try:
        import django_auth_ldap  # noqa: F401
        import ldap  # noqa: F401
    except ImportError:
        return "django-auth-ldap / python-ldap are not installed (pip install -r requirements-ldap.txt)"
    return ""


def _ldif() -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example",
        *(f"dn: ou={ou},{SUFFIX}\nobjectClass: organizationalUnit\nou: {ou}"
          for ou in ("people", "groups", "service")),
        f"dn: {BIND_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: sop-reader\nuserPassword: {BIND_PASSWORD}",
    ]  # fmt: skip
    for uid, (given, sn, _) in USERS.items():
        entries.append(
            f"dn: {user_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {given} {sn}\n"
            f"givenName: {given}\nsn: {sn}\nmail: {uid}@example.test\nuserPassword: {PASSWORD}"
        )
    for name in GROUPS:
        members = [uid for uid, (*_, groups) in USERS.items() if name in groups]
        # groupOfNames needs a member: the bind account stands in for an empty group.
        lines = [f"member: {user_dn(uid)}" for uid in members] or [f"member: {BIND_DN}"]
        entries.append(
            f"dn: {group_dn(name)}\nobjectClass: groupOfNames\ncn: {name}\n" + "\n".join(lines)
        )
    return "\n\n".join(entries) + "\n"


def _openssl(*args: str) -> None:
    done = subprocess.run([OPENSSL, *args], capture_output=True, text=True, timeout=60)
    if done.returncode:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr.strip()[-2000:]}")


_NEW_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2")


@dataclass
class CertificateAuthority:
    certificate: Path  # what a client is given as its CA file
    key: Path

    def issue(self, folder: Path, name: str, hosts: tuple[str, ...]) -> tuple[Path, Path]:
        """A server certificate (and its key) for these host names and IP addresses."""
        cert, key = folder / f"{name}.pem", folder / f"{name}.key"
        names = ",".join(f"IP:{h}" if h[0].isdigit() else f"DNS:{h}" for h in hosts)
        _openssl(
            "req", "-x509", *_NEW_KEY, "-keyout", str(key), "-out", str(cert),
            "-subj", f"/CN={hosts[0]}", "-CA", str(self.certificate), "-CAkey", str(self.key),
            "-addext", f"subjectAltName={names}", "-addext", "basicConstraints=critical,CA:FALSE",
            "-addext", "extendedKeyUsage=serverAuth",
        )  # fmt: skip
        return cert, key


def make_ca(folder: Path, name: str = "SOP test CA") -> CertificateAuthority:
    """A throwaway certificate authority in folder (its key is only good for these tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / name.lower().replace(" ", "-")
    ca = CertificateAuthority(Path(f"{stem}.pem"), Path(f"{stem}.key"))
    _openssl(
        "req", "-x509", *_NEW_KEY, "-keyout", str(ca.key), "-out", str(ca.certificate),
        "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return ca


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    folder: Path
    port: int
    process: subprocess.Popen
    tls_port: int | None = None  # ldaps://, with start(tls=True)
    ca_file: Path | None = None  # the CA that signed its certificate, with start(tls=True)

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_uri(self) -> str:
        return f"ldaps://127.0.0.1:{self.tls_port}"

    def modify(self, ldif: str) -> None:
        """Change the directory with ldapmodify, as its administrator."""
        subprocess.run(
            [LDAPMODIFY, "-x", "-H", self.uri, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
            input=ldif, text=True, check=True, capture_output=True, timeout=30,
        )  # fmt: skip

    def env(self, **extra: str) -> dict[str, str]:
        """The SOP_LDAP_* variables that point the site at this server."""
        return {
            "SOP_LDAP_SERVER_URI": self.uri,
            "SOP_LDAP_BIND_DN": BIND_DN,
            "SOP_LDAP_BIND_PASSWORD": BIND_PASSWORD,
            "SOP_LDAP_USER_SEARCH_BASE": f"ou=people,{SUFFIX}",
            "SOP_LDAP_USER_FILTER": "(uid=%(user)s)",
            "SOP_LDAP_GROUP_SEARCH_BASE": f"ou=groups,{SUFFIX}",
            "SOP_LDAP_GROUP_TYPE": "group_of_names",
            **extra,
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def start(*, tls: bool = False) -> Server:
    """Start a throwaway slapd with the directory above; raise RuntimeError if it cannot.

    With tls, it has a certificate (CA: server.ca_file) and also listens for ldaps://."""
    folder = Path(tempfile.mkdtemp(prefix="sop-slapd-"))
    (folder / "db").mkdir()
    tls_conf, ca_file = "", None
    if tls:
        try:
            ca = make_ca(folder / "tls")
            cert, key = ca.issue(folder / "tls", "server", ("127.0.0.1", "localhost"))
        except (RuntimeError, OSError):
            shutil.rmtree(folder, ignore_errors=True)
            raise
        ca_file = ca.certificate
        tls_conf = (
            f"TLSCACertificateFile {ca_file}\nTLSCertificateFile {cert}\n"
            f"TLSCertificateKeyFile {key}\n"
            "security tls=1\n"  # nothing, not even a bind, without TLS: a test cannot skip it
        )
    conf = folder / "slapd.conf"
    conf.write_text(
        "".join(f"include /etc/ldap/schema/{name}.schema\n"
                for name in ("core", "cosine", "inetorgperson", "nis"))
        + tls_conf + f"modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
        f"pidfile {folder}/slapd.pid\nargsfile {folder}/slapd.args\n"
        f"database mdb\nmaxsize 10485760\nsuffix \"{SUFFIX}\"\n"
        f"rootdn \"{ROOT_DN}\"\nrootpw {ROOT_PASSWORD}\ndirectory {folder}/db\n"
        # Anyone may bind; the bind account may read; people may read themselves.
        "access to attrs=userPassword by anonymous auth by * none\n"
        "access to * by users read by anonymous auth\n"
    )  # fmt: skip
    (folder / "data.ldif").write_text(_ldif())
    loaded = subprocess.run(
        [SLAPADD, "-f", str(conf), "-l", str(folder / "data.ldif")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if loaded.returncode:
        raise RuntimeError(f"slapadd failed: {loaded.stderr.strip()[-2000:]}")
    urls = f"ldap://127.0.0.1:{(port := _free_port())}/"
    tls_port = _free_port() if tls else None
    if tls_port:
        urls += f" ldaps://127.0.0.1:{tls_port}/"
    command = [SLAPD, "-f", str(conf), "-h", urls, "-d", "0"]
    if os.geteuid() == 0:  # never the system's server, never as root (it reads its key too)
        shutil.chown(folder, "nobody", "nogroup")
        for path in folder.rglob("*"):
            shutil.chown(path, "nobody", "nogroup")
        command += ["-u", "nobody", "-g", "nogroup"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Server(folder=folder, port=port, process=process, tls_port=tls_port, ca_file=ca_file)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace")[-2000:]
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"slapd exited with {process.returncode}: {error}")
        try:
            for listening in filter(None, (port, tls_port)):
                socket.create_connection(("127.0.0.1", listening), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("slapd did not answer on its port within 20 seconds")
