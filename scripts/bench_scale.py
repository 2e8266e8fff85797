#!/usr/bin/env python3
"""The scale row of scripts/bench.sh: how a job of N files behaves in SQLite and in PostgreSQL, at
two or more sizes, and extrapolated to a whole commons (10^8 files). For each backend and N: the
import of a synthetic N-row manifest into a new job (wall time, median of --runs, and the disk it
takes), one claim's time (as `gen3 -vv run` logs it, median of the first three claims), and
`gen3 status` (median of --runs). --before-gen3 also times an earlier build's import and status on
jobs of its own. Writes the section "Scale: status and claims at 10⁶–10⁸ rows" at the end of the
report (bench.py's report.md in BENCH_DIR; --out elsewhere), in place of an earlier one and keeping
any "### Notes" under it.
  python3 scripts/bench_scale.py --gen3 .build/release/gen3                       # quick: 10^5 and 10^6
  python3 scripts/bench_scale.py --gen3 BIN --rows 1000000,10000000 --before-gen3 OLD
"""
import argparse, base64, json, math, os, re, shutil, signal, statistics, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench_postgres import Postgres, write_manifest

SECTION = "## Scale: status and claims at 10⁶–10⁸ rows"
NOTES = "### Notes"
# What a row costs on disk, for the space check before a size is tried (the measured figures go in
# the table): a manifest entry as this script writes it, and a generous guess per backend, which
# covers a SQLite import's index sort and PostgreSQL's write-ahead log.
MANIFEST_BYTES_PER_ROW = 160
GUESS_BYTES_PER_ROW = {"sqlite": 600, "postgres": 1500}
TARGET_ROWS = 10**8


def start_fence():
    """A control plane that gives tokens and answers everything else 503, so that a run claims,
    fails its files for a retry, and claims again: the claims are what is timed."""
    token = "x." + base64.urlsafe_b64encode(json.dumps({"exp": 4102444800, "sub": "bench"}).encode()).decode().rstrip("=") + ".sig"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def send(self, status, obj):
            body = json.dumps(obj).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the run was stopped once its claims were timed

        def do_GET(self):
            self.send(503, {"error": "busy"})

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/user/credentials/cdis/access_token":
                return self.send(200, {"access_token": token})
            self.send(503, {"error": "busy"})

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class DiskPeak(threading.Thread):
    """The most space taken on `path`'s file system above what was taken when it started, sampled
    every 50 ms, plus `reused`: what an import needs beyond its result (sort files, journals,
    write-ahead log)."""

    def __init__(self, path, reused=0):
        super().__init__(daemon=True)
        self.path, self.stop, self.peak, self.reused = path, threading.Event(), 0, reused
        self.base = self.used()

    def used(self):
        s = os.statvfs(self.path)
        return (s.f_blocks - s.f_bfree) * s.f_frsize

    def run(self):
        while not self.stop.wait(0.05):
            self.peak = max(self.peak, self.used() - self.base)

    def finish(self):
        self.stop.set()
        self.join()
        return max(self.peak, self.used() - self.base) + self.reused


def wal_bytes(pg):
    """The cluster's write-ahead log as allocated now: the first import into a new cluster grows it,
    later ones write over its files, so an import's peak counts it whole, whichever came first."""
    wal = os.path.join(pg.directory, "data", "pg_wal")
    return sum(entry.stat().st_size for entry in os.scandir(wal) if entry.is_file())


def run_gen3(gen3, db, arguments, endpoint, creds):
    """gen3 with the job in the environment (GEN3_DB), so a PostgreSQL URL's password is in no
    process's arguments; returns (wall seconds, stdout)."""
    env = dict(os.environ, GEN3_DB=db)
    started = time.monotonic()
    result = subprocess.run([gen3, "--endpoint", endpoint, "--auth", creds] + arguments, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"gen3 {' '.join(arguments)} failed ({result.returncode}): {result.stderr[-2000:]}")
    return wall, result.stdout


def claim_times(gen3, db, endpoint, creds, count=3, timeout=600):
    """The first `count` claims of a run, in ms, as `-vv` logs them ("claimed N files in X ms")."""
    env = dict(os.environ, GEN3_DB=db)
    # The files are never written (every URL request fails): their size is no reason not to start.
    process = subprocess.Popen([gen3, "--endpoint", endpoint, "--auth", creds, "-vv", "run", "--workers", "1", "--no-progress",
                                "--ignore-free-space"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    times, last = [], []
    try:
        for line in process.stderr:
            last = (last + [line])[-20:]
            found = re.search(r"claimed (\d+) files in ([\d.]+) ms", line)
            if found:
                times.append(float(found[2]))
                if len(times) == count:
                    break
    finally:
        timer.cancel()
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
    if len(times) < count:
        sys.exit(f"gen3 run logged {len(times)} claims, not {count} (is it a build that times them?); its last lines:\n{''.join(last)}")
    return times


def sqlite_size(db):
    return sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))


def measure(gen3, backend, n, manifest, work, pg, runs, endpoint, creds, claims=True):
    """Imports (each into a new job), then status and claims on the last; the job is removed after."""
    imports, disk, size, db = [], 0, 0, None
    for run in range(runs):
        if backend == "sqlite":
            db = os.path.join(work, f"job-{n}.sqlite")
            for path in (db, db + "-wal", db + "-shm"):
                if os.path.exists(path):
                    os.remove(path)
        else:
            if db:
                pg.drop(db)
            db = pg.database()
        dest = os.path.join(work, "data")
        peak = DiskPeak(work, reused=wal_bytes(pg) if backend == "postgres" else 0)
        peak.start()
        wall, _ = run_gen3(gen3, db, ["import-manifest", "--manifest", manifest, "--download-path", dest], endpoint, creds)
        disk = max(disk, peak.finish())
        imports.append(wall)
        size = sqlite_size(db) if backend == "sqlite" else pg.size(db)
        print(f"  {backend} {n}: import {wall:.2f} s, job {size / 1e6:.0f} MB, {disk / 1e6:.0f} MB at most on disk", flush=True)
    # A first status opens a job just imported (and upgrades it if it must): not what is timed.
    run_gen3(gen3, db, ["status"], endpoint, creds)
    statuses = [run_gen3(gen3, db, ["status"], endpoint, creds)[0] for _ in range(runs)]
    print(f"  {backend} {n}: status {', '.join(f'{s:.3f}' for s in statuses)} s", flush=True)
    claimed = claim_times(gen3, db, endpoint, creds) if claims else []
    if claimed:
        print(f"  {backend} {n}: claims {', '.join(f'{c:.1f}' for c in claimed)} ms", flush=True)
    if backend == "sqlite":
        for path in (db, db + "-wal", db + "-shm"):
            if os.path.exists(path):
                os.remove(path)
    else:
        pg.drop(db)
    shutil.rmtree(os.path.join(work, "data"), ignore_errors=True)
    return {"imports": imports, "disk": disk, "size": size, "statuses": statuses, "claims": claimed}


def median(values):
    return statistics.median(values) if values else None


def at_target(points, key):
    """`key` at TARGET_ROWS by a straight line through the two largest sizes measured: for what
    grows by the row (an import's time, the disk)."""
    (n1, r1), (n2, r2) = points[-2], points[-1]
    v1, v2 = key(r1), key(r2)
    slope = (v2 - v1) / (n2 - n1)
    return v2 + slope * (TARGET_ROWS - n2)


def by_growth(points, key):
    """`key` at TARGET_ROWS if it grows by the same factor for each tenfold of rows as between the
    two largest sizes measured, and that factor: for what should not grow (a claim, status), where
    a straight line through two noisy figures could go anywhere, even below zero; what grows with
    the rows grows tenfold here too."""
    (n1, r1), (n2, r2) = points[-2], points[-1]
    v1, v2 = key(r1), key(r2)
    factor = (v2 / v1) ** (1 / math.log10(n2 / n1)) if v1 > 0 else float("nan")
    return v2 * factor ** math.log10(TARGET_ROWS / n2), factor


def section(args, results, before, free):
    rows = sorted({n for (_, n) in results})
    lines = [SECTION, "",
             f"Measured {time.strftime('%Y-%m-%d')} with `python3 scripts/bench_scale.py --gen3 <release gen3> --rows "
             f"{','.join(str(n) for n in rows)} --runs {args.runs}"
             + (" --before-gen3 <the build before>" if before else "") + "` (the release build, as bench.sh builds it), "
             "on this 2-core machine while other engineers' builds and benchmarks shared it: figures are medians of "
             f"{args.runs}, each listed. The manifest is N GUIDs (a prefix and a random UUID) of 16 KiB each; "
             "SQLite's job is a file on the same disk, PostgreSQL's a database on a local cluster started by "
             "`scripts/postgres.sh start DIR --durable` (fsync and synchronous commit on). One claim is the claim "
             "transaction of `gen3 -vv run` (lease rescue and claim of a batch), median of its first three; "
             "status is the whole `gen3 status` process. Job MB is the job's size after its import; import peak MB is "
             "the most the file system held above its start during an import (PostgreSQL's counting its write-ahead "
             "log whole: the first import into a new cluster allocates it, later ones write over it). "
             f"Free space at the start: {free / 1e9:.0f} GB.", "",
             "| backend | rows | import s | each import s | job MB | import peak MB | one claim ms | status s | each status s |"
             + (" status s before | import s before |" if before else ""),
             "|---|---|---|---|---|---|---|---|---|" + ("---|---|" if before else "")]
    for backend in args.backends:
        for n in rows:
            r = results.get((backend, n))
            if r is None:
                continue
            if r.get("skipped"):
                lines.append(f"| {backend} | {n} | {r['skipped']} |" + " |" * (6 + (2 if before else 0)))
                continue
            line = (f"| {backend} | {n} | {median(r['imports']):.2f} | {', '.join(f'{w:.2f}' for w in r['imports'])} | "
                    f"{r['size'] / 1e6:.0f} | {r['disk'] / 1e6:.0f} | "
                    f"{median(r['claims']):.1f} | {median(r['statuses']):.3f} | {', '.join(f'{s:.3f}' for s in r['statuses'])} |")
            if before:
                b = before.get((backend, n))
                line += (f" {median(b['statuses']):.3f} ({', '.join(f'{s:.3f}' for s in b['statuses'])}) | "
                         f"{median(b['imports']):.2f} |" if b and not b.get("skipped") else " | |")
            lines.append(line)
    entry = max((r["manifest"] / n for (_, n), r in results.items() if not r.get("skipped")), default=MANIFEST_BYTES_PER_ROW)
    lines += ["", "At 10⁸ rows, on paper, from the two largest sizes measured: the import and the disk on a straight "
              "line through them; a claim and status grown by the factor they grew by per tenfold of rows between them "
              "(1 for what does not grow, 10 for what reads every row). The disk a job of 10⁸ rows needs is the "
              "import's peak (the job and what the import holds besides) and the manifest "
              f"({entry:.0f} bytes an entry here, {entry * TARGET_ROWS / 1e9:.0f} GB).", "",
              "| backend | import s | one claim ms | status s | job GB | disk needed GB |", "|---|---|---|---|---|---|"]
    for backend in args.backends:
        points = [(n, results[(backend, n)]) for n in rows if (backend, n) in results and not results[(backend, n)].get("skipped")]
        if len(points) < 2:
            continue
        job = at_target(points, lambda r: r["size"])
        peak = at_target(points, lambda r: r["disk"])
        claim, claim_factor = by_growth(points, lambda r: median(r["claims"]))
        status, status_factor = by_growth(points, lambda r: median(r["statuses"]))
        lines.append(f"| {backend} | {at_target(points, lambda r: median(r['imports'])):.0f} | "
                     f"{claim:.1f} (×{claim_factor:.2f} per tenfold) | {status:.3f} (×{status_factor:.2f} per tenfold) | "
                     f"{job / 1e9:.1f} | {(max(job, peak) + entry * TARGET_ROWS) / 1e9:.0f} |")
    return lines


def write_section(path, lines):
    """The section replaces an earlier one (its "### Notes" kept) and goes at the end of the file."""
    text = open(path).read() if os.path.exists(path) else ""
    notes = []
    start = text.find(SECTION)
    if start >= 0:
        rest = text[start + len(SECTION):]
        following = re.search(r"^## ", rest, re.M)
        old = rest[:following.start()] if following else rest
        kept = old.find(NOTES)
        if kept >= 0:
            notes = ["", old[kept:].strip()]
        text = text[:start] + (rest[following.start():] if following else "")
    with open(path, "w") as f:
        f.write(text.rstrip("\n") + "\n\n" + "\n".join(lines + notes) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gen3", required=True)
    parser.add_argument("--before-gen3", help="an earlier build, whose import and status are timed too (on jobs of its own)")
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated sizes, at least two (default: 100000,1000000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--work", help="where manifests and jobs go (default: a new directory in /tmp, removed after)")
    parser.add_argument("--out", help="where the section goes (default: report.md in BENCH_DIR, /var/tmp/gen3-bench)")
    args = parser.parse_args()
    args.backends = args.backends.split(",")
    args.out = args.out or os.path.join(os.environ.get("BENCH_DIR", "/var/tmp/gen3-bench"), "report.md")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    sizes = sorted(int(n) for n in args.rows.split(","))
    work = args.work or tempfile.mkdtemp(prefix="gen3-scale.", dir="/tmp")
    os.makedirs(work, exist_ok=True)
    creds = os.path.join(work, "credentials.json")
    with open(creds, "w") as f:
        json.dump({"api_key": "bench", "key_id": "bench"}, f)
    # A stop runs the cleanup below too: the cluster is stopped, the jobs removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server, endpoint = start_fence()
    pg = Postgres(work) if "postgres" in args.backends else None
    free = shutil.disk_usage(work).free
    results, before = {}, {}
    try:
        for n in sizes:
            manifest = os.path.join(work, f"manifest-{n}.json")
            for backend in args.backends:
                need = n * (MANIFEST_BYTES_PER_ROW + GUESS_BYTES_PER_ROW[backend])
                have = shutil.disk_usage(work).free + (os.path.getsize(manifest) if os.path.exists(manifest) else 0)
                if have < need:
                    results[(backend, n)] = {"skipped": f"skipped: needs about {need / 1e9:.0f} GB, {have / 1e9:.0f} GB free"}
                    print(f"  {backend} {n}: {results[(backend, n)]['skipped']}", flush=True)
                    continue
                if not os.path.exists(manifest):
                    write_manifest(manifest, n)
                results[(backend, n)] = measure(args.gen3, backend, n, manifest, work, pg, args.runs, endpoint, creds)
                results[(backend, n)]["manifest"] = os.path.getsize(manifest)
                if args.before_gen3:
                    print("  (the build before)", flush=True)
                    before[(backend, n)] = measure(args.before_gen3, backend, n, manifest, work, pg, args.runs, endpoint, creds,
                                                   claims=False)
            if os.path.exists(manifest) and not args.work:
                os.remove(manifest)
    finally:
        server.shutdown()
        if pg:
            pg.stop()
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    lines = section(args, results, before, free)
    write_section(args.out, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
