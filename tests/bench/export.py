"""`make bench-export`: how long exporting, importing and backing up a manual of the size of
the real one takes, and how much memory each needs.

In a throwaway SQLite installation (a temporary folder, removed afterwards): a Markdown ZIP of
BENCH_PROCEDURES (163) procedures of ~BENCH_KB (20) KB of text, each with BENCH_SCREENSHOTS
(3) 1366 x 768 PNG screenshots, is imported and approved (`import_manual --approve`), then
exported as HTML, a Markdown ZIP and PDF (if WeasyPrint is installed), backed up and
restored into a second empty installation. Each step is its own `manage.py` process; the
table gives its wall time, its CPU time (user + system, all its threads: what a loaded shared
machine distorts least), peak memory (max RSS), output size and the 1-minute load average
when it ended.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = os.environ.get("PY", sys.executable)
PROCEDURES = int(os.environ.get("BENCH_PROCEDURES", 163))
KB = int(os.environ.get("BENCH_KB", 20))
SCREENSHOTS = int(os.environ.get("BENCH_SCREENSHOTS", 3))
WORDS = ["ticket", "tenant", "backup", "invoice", "client", "escalate", "verify", "portal", "licence", "mailbox", "firewall", "patch", "restore", "policy", "approve", "check", "record", "schedule", "device", "network"]  # fmt: skip


def screenshot(seed: int) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (1366, 768), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    for _ in range(60):  # windows and buttons
        x, y = rng.randrange(1300), rng.randrange(740)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle([x, y, x + rng.randrange(20, 400), y + rng.randrange(8, 60)], fill=colour)
    for _ in range(4000):  # glyph-sized marks: text, as a screenshot has
        x, y = rng.randrange(1360), rng.randrange(764)
        draw.rectangle([x, y, x + rng.randrange(1, 6), y + rng.randrange(2, 9)], fill=(30, 30, 30))
    # A photo or an anti-aliased logo: noise compresses as badly.
    image.paste(Image.frombytes("RGB", (160, 120), rng.randbytes(160 * 120 * 3)), (40, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def archive(path: Path) -> int:
    rng = random.Random(17)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for n in range(PROCEDURES):
            volume, section, position = n // 55 + 1, (n // 11) % 5 + 1, n % 11 + 1
            stem = f"{position:02d}-procedure-{n + 1}"
            folder = f"{volume:02d}-volume-{volume}/{section:02d}-section-{section}"
            parts = [f"# Procedure {n + 1}\n"]
            for s in range(SCREENSHOTS):
                name = f"screen-{s + 1}.png"
                out.writestr(f"{folder}/{stem}.files/{name}", screenshot(n * 10 + s))
                parts.append(f"\n![Step {s + 1}]({stem}.files/{name})\n")
            while sum(map(len, parts)) < KB * 1000:
                parts.append(f"\n## Step {len(parts)}\n\n" + " ".join(
                    rng.choice(WORDS) for _ in range(120)) + ".\n")  # fmt: skip
            out.writestr(f"{folder}/{stem}.md", "".join(parts))
    return path.stat().st_size


def run(label: str, args: list[str], env: dict, output: Path | None = None) -> tuple:
    started = time.monotonic()
    # stdout: the console mail backend prints each approval's mail; stderr: WARNINGs only.
    process = subprocess.Popen([PY, "manage.py", *args, "-v0"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL)  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if status != 0:
        raise SystemExit(f"{label} failed (exit status {status})")
    size = output.stat().st_size if output and output.exists() else None
    cpu = usage.ru_utime + usage.ru_stime
    return label, seconds, cpu, usage.ru_maxrss / 1024, size, os.getloadavg()[0]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sop-bench-export-") as tmp:
        tmp = Path(tmp)

        def installation(name: str) -> dict:
            return {**os.environ, "SOP_VAR_DIR": str(tmp / name), "SOP_DEVTOOLS": "0",
                    "SOP_ALLOW_SELF_APPROVAL": "1", "DATABASE_URL": "", "LOG_LEVEL": "ERROR",
                    "SOP_IMPORT_MAX_BYTES": str(2_000_000_000)}  # fmt: skip

        env, fresh = installation("site"), installation("restored")
        for e in (env, fresh):
            e.pop("DATABASE_URL")
            subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=e, check=True)
        subprocess.run([PY, "manage.py", "shell", "-c", "from django.contrib.auth.models import "
                        "User; User.objects.create_superuser('bench', 'b@x.test', 'x')"],
                       cwd=ROOT, env=env, check=True)  # fmt: skip
        source = tmp / "source.zip"
        print(f"archive: {PROCEDURES} procedures x ~{KB} KB x {SCREENSHOTS} screenshots "
              f"(1366 x 768 PNG): {archive(source) / 1e6:.1f} MB", flush=True)  # fmt: skip
        rows = [run("import --approve", ["import_manual", str(source), "--user", "bench",
                                         "--approve"], env)]  # fmt: skip
        for fmt, ext in (("html", "html"), ("markdown", "zip"), ("pdf", "pdf")):
            out = tmp / f"manual.{ext}"
            try:
                rows.append(run(f"export {fmt}", ["export_manual", "--format", fmt, "--output",
                                                  str(out)], env, out))  # fmt: skip
            except SystemExit as exc:
                print(exc, "(WeasyPrint missing?)" if fmt == "pdf" else "", flush=True)
        backup = tmp / "backup.tar.gz"
        rows.append(run("backup", ["backup", "--output", str(backup)], env, backup))
        rows.append(run("restore (empty site)", ["restore", str(backup)], fresh))
        print(f"\n{'step':<22} {'seconds':>8} {'CPU s':>7} {'max RSS MB':>11} "
              f"{'output MB':>10} {'load':>5}")  # fmt: skip
        for label, seconds, cpu, rss, size, load in rows:
            shown = f"{size / 1e6:10.1f}" if size is not None else f"{'':>10}"
            print(f"{label:<22} {seconds:8.1f} {cpu:7.1f} {rss:11.0f} {shown} {load:5.1f}")


if __name__ == "__main__":
    main()
