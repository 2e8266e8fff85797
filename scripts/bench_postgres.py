#!/usr/bin/env python3
"""The job in PostgreSQL against the job in SQLite, on one machine, in alternating rounds:
- the same small-file set downloaded from the bundled test commons (loopback), SQLite vs PostgreSQL;
- files/s as workers grow (1, 2, 4, 8 worker processes) on both: the claim+record rate of tiny files,
  where the store is the work;
- the import of a 1M-row manifest into each.
PostgreSQL is a throwaway cluster from scripts/postgres.sh with its default durability (--durable),
on this machine's disk; SQLite's job is on the same disk. The downloads go to a tmpfs (/dev/shm;
--downloads elsewhere): creating thousands of small files on this VM's ext4 costs from 0.1 to 2 s
of kernel time from one directory to the next, for any tool, which would drown the store's share.
Prints medians with their spread, and ratios per round; for the small set also the CPU the whole
machine and PostgreSQL's server processes used, since on a small machine the server's work takes
cores the download needs."""
import argparse, json, os, random, shutil, signal, statistics, subprocess, sys, tempfile, time, uuid

from bench import machine_busy

SCRIPTS = os.path.dirname(os.path.abspath(__file__))


def start_commons(binary, directory, files, size):
    os.makedirs(directory, exist_ok=True)
    ready = os.path.join(directory, "ready")
    process = subprocess.Popen(
        [binary, "--objects", str(files), "--min-size", str(size), "--max-size", str(size), "--seed", "23",
         "--write-manifest", os.path.join(directory, "manifest.json"), "--ready-file", ready,
         "--write-credentials", os.path.join(directory, "credentials.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        if os.path.exists(ready):
            break
        time.sleep(0.1)
    return process, open(ready).read().split("\n")[0].strip(), os.path.join(directory, "credentials.json")


class Postgres:
    """A durable throwaway cluster; a new database per job."""

    def __init__(self, scratch):
        self.directory = tempfile.mkdtemp(prefix="gen3-bench-pg-", dir="/tmp")
        os.rmdir(self.directory)
        self.url = subprocess.run(["bash", os.path.join(SCRIPTS, "postgres.sh"), "start", self.directory, "--durable"],
                                  check=True, capture_output=True, text=True).stdout.strip().split("\n")[-1]
        self.count = 0

    def database(self):
        self.count += 1
        name = f"bench_{os.getpid()}_{self.count}"
        subprocess.run(["psql", self.url, "-qc", f"CREATE DATABASE {name}"], check=True, stdout=subprocess.DEVNULL)
        return self.url.rsplit("/", 1)[0] + "/" + name

    def query(self, url, sql):
        """One statement's answer as text, in the database at `url`."""
        return subprocess.run(["psql", url, "-XAtqc", sql], check=True, capture_output=True, text=True).stdout.strip()

    def size(self, url):
        """The bytes of the database at `url`."""
        return int(self.query(url, "SELECT pg_database_size(current_database())"))

    def drop(self, url):
        self.query(self.url, f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def stop(self):
        subprocess.run(["bash", os.path.join(SCRIPTS, "postgres.sh"), "stop", self.directory], check=False)


def job_location(backend, postgres, scratch):
    if backend == "postgres":
        return postgres.database()
    return os.path.join(tempfile.mkdtemp(dir=scratch), "job.sqlite")


def processes_cpu(name):
    """CPU seconds used so far by the processes whose command is `name` (and their waited-for
    children): PostgreSQL's server processes, which a run's sessions keep busy."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() != name:
                    continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def download(gen3, commons, backend, postgres, scratch, workers, downloads):
    """One import and run of the commons' whole manifest: the run's wall time, files done, and
    the CPU seconds of the whole machine and of PostgreSQL's processes during the run."""
    process, endpoint, key = commons
    db = job_location(backend, postgres, scratch)
    data = tempfile.mkdtemp(dir=downloads)
    base = [gen3, "--db", db, "--endpoint", endpoint, "--auth", key]
    subprocess.run(base + ["import-manifest", "--manifest", os.path.join(os.path.dirname(key), "manifest.json"),
                           "--download-path", data], check=True, stdout=subprocess.DEVNULL)
    server, machine = processes_cpu("postgres"), machine_busy()
    started = time.monotonic()
    result = subprocess.run(base + ["run", "--no-progress", "--workers", str(workers)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    wall = time.monotonic() - started
    server, machine = processes_cpu("postgres") - server, machine_busy() - machine
    done = subprocess.run(base + ["sql", "--no-header", "SELECT count(*) FROM files WHERE state = 'done'"],
                          capture_output=True, text=True).stdout.strip()
    shutil.rmtree(data, ignore_errors=True)
    if result.returncode != 0:
        sys.exit(f"gen3 run ({backend}) failed: {result.stderr.decode()[-2000:]}")
    return wall, int(done), {"machine": machine, "server": server}


def write_manifest(path, rows):
    rng = random.Random(rows)
    with open(path, "w") as f:
        f.write("[")
        for i in range(rows):
            guid = f"dg.BENCH/{uuid.UUID(int=rng.getrandbits(128), version=4)}"
            f.write(("," if i else "") + json.dumps({"object_id": guid, "file_name": f"any-{i:07d}", "file_size": 16384,
                                                    "md5sum": "0" * 32}))
        f.write("]")


def import_once(gen3, manifest, backend, postgres, scratch):
    db = job_location(backend, postgres, scratch)
    started = time.monotonic()
    subprocess.run([gen3, "--db", db, "--endpoint", "http://127.0.0.1:9", "import-manifest", "--manifest", manifest,
                    "--download-path", os.path.join(scratch, "imported")], check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def spread(values):
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gen3", required=True)
    parser.add_argument("--commons-binary", required=True)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--size", type=int, default=16 * 1024)
    parser.add_argument("--tiny-files", type=int, default=3000)
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--scratch", default=tempfile.gettempdir(), help="where the jobs, manifests and cluster go")
    parser.add_argument("--downloads", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                        help="where the files go (default: /dev/shm, a tmpfs; --scratch when there is none)")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="gen3-bench-postgres-", dir=args.scratch)
    downloads = args.downloads or root
    postgres = Postgres(root)
    small = start_commons(args.commons_binary, os.path.join(root, "small"), args.files, args.size)
    tiny = start_commons(args.commons_binary, os.path.join(root, "tiny"), args.tiny_files, 1)
    try:
        print(f"== {args.files} files of {args.size} bytes, one worker process (the default), {args.rounds} alternating rounds")
        walls = {"sqlite": [], "postgres": []}
        cpus = {"sqlite": [], "postgres": []}
        for round_number in range(args.rounds):
            order = ["sqlite", "postgres"] if round_number % 2 == 0 else ["postgres", "sqlite"]
            for backend in order:
                wall, done, cpu = download(args.gen3, small, backend, postgres, root, 1, downloads)
                if done != args.files:
                    sys.exit(f"{backend}: {done} of {args.files} files done")
                walls[backend].append(wall)
                cpus[backend].append(cpu)
                print(f"  round {round_number + 1} {backend}: {wall:.2f} s, machine {cpu['machine']:.2f} CPU s, "
                      f"PostgreSQL's processes {cpu['server']:.2f} CPU s", flush=True)
        ratios = [s / p for s, p in zip(walls["sqlite"], walls["postgres"])]
        for backend in ("sqlite", "postgres"):
            machine = statistics.median(c["machine"] for c in cpus[backend])
            busy = statistics.median(c["machine"] / (w * os.cpu_count()) for c, w in zip(cpus[backend], walls[backend]))
            print(f"  {backend}: {spread(walls[backend])}, {args.files / statistics.median(walls[backend]):.0f} files/s; "
                  f"machine {machine:.2f} CPU s, cores {busy:.0%} busy")
        print(f"  PostgreSQL's speed relative to SQLite per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
              f"median {statistics.median(ratios):.2f}")
        # The reference: were both runs held by the machine's CPU alone, PostgreSQL's would take
        # longer by the CPU its server processes add on this same machine.
        bound = [s["machine"] / p["machine"] for s, p in zip(cpus["sqlite"], cpus["postgres"])]
        server = statistics.median(c["server"] for c in cpus["postgres"])
        print(f"  PostgreSQL's server processes: {server:.2f} CPU s per run ({server / args.files * 1e6:.0f} us per file) "
              f"on this machine's {os.cpu_count()} cores; SQLite's machine CPU over PostgreSQL's per round: "
              f"{', '.join(f'{b:.2f}' for b in bound)}; median {statistics.median(bound):.2f} (the speed ratio a "
              f"CPU-bound machine allows)")

        print(f"\n== {args.tiny_files} one-byte files (the store is the work): files/s by worker processes")
        for workers in [int(w) for w in args.workers.split(",")]:
            walls = {"sqlite": [], "postgres": []}
            busy = {"sqlite": [], "postgres": []}
            for round_number in range(args.rounds):
                order = ["sqlite", "postgres"] if round_number % 2 == 0 else ["postgres", "sqlite"]
                for backend in order:
                    wall, done, cpu = download(args.gen3, tiny, backend, postgres, root, workers, downloads)
                    if done != args.tiny_files:
                        sys.exit(f"{backend}: {done} of {args.tiny_files} files done")
                    walls[backend].append(wall)
                    busy[backend].append(cpu["machine"] / (wall * os.cpu_count()))
            # How busy the machine's cores were: more workers cannot help once they are all busy.
            print(f"  {workers} workers: " + "; ".join(
                f"{backend} {args.tiny_files / statistics.median(walls[backend]):.0f} files/s ({spread(walls[backend])}, "
                f"cores {statistics.median(busy[backend]):.0%} busy)"
                for backend in ("sqlite", "postgres")), flush=True)

        if args.import_rows:
            manifest = os.path.join(root, "import.json")
            write_manifest(manifest, args.import_rows)
            print(f"\n== import of {args.import_rows} rows ({os.path.getsize(manifest) >> 20} MiB of JSON)")
            walls = {"sqlite": [], "postgres": []}
            for round_number in range(args.rounds):
                order = ["sqlite", "postgres"] if round_number % 2 == 0 else ["postgres", "sqlite"]
                for backend in order:
                    walls[backend].append(import_once(args.gen3, manifest, backend, postgres, root))
            for backend in ("sqlite", "postgres"):
                print(f"  {backend}: {spread(walls[backend])}")
    finally:
        for process in (small[0], tiny[0]):
            process.send_signal(signal.SIGTERM)
            process.wait()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
