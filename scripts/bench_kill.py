"""The benchmark's kill section: what a kill -9 costs in bytes fetched again.

gen3 runs a job of large and small files against nginx's logging storage host and is killed
(SIGKILL to its process group) at random moments, then run again, until a run finishes; nginx logs
the body bytes of every request, so what was served beyond the set's size is what the kills cost.
Each kill is first a SIGSTOP, so that where the bytes were can be read while nothing moves: in
nginx's socket send queues (handed to the kernel, counted as sent, never received), in gen3's
socket receive queues (received by the kernel, never read), and the rest, which gen3 had read and
not yet written to its part files (its memory). Part files and finished files are then measured on
disk: a resumed run asks only for what is not there.
"""
import json, os, random, shutil, signal, subprocess, time

import bench

# Seeded: the same kill moments every time.
SEED = 22


def run(root, gen3, quick):
    """Kills, resumes and the accounting; returns what `report` needs."""
    large_n, large_size, small_n, kills = (12, 16 << 20, 50, 4) if quick else (12, 64 << 20, 200, 8)
    entries = bench.make_dataset(root, "kill", large_n, large_size, 5) + bench.make_dataset(root, "small", small_n, 16 << 10, 1)
    total = sum(e[2] for e in entries)
    manifest = os.path.join(root, "kill.json")
    bench.write_manifest(manifest, entries)
    creds = os.path.join(root, "credentials-kill.json")
    with open(creds, "w") as f:
        json.dump({"api_key": "x." + bench.b64({"iss": f"http://127.0.0.1:{bench.PORT_API_KILL}/user"}) + ".sig", "key_id": "bench"}, f)
    dest = os.path.join(root, "out", "kill")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    db = os.path.join(root, "kill.sqlite")
    for path in [db, db + "-wal", db + "-shm"]:
        if os.path.exists(path):
            os.remove(path)
    log = os.path.join(root, "served.log")
    # nginx appends to the log it has open: emptying it starts the count at 0.
    open(log, "w").close()
    base = [gen3, "--db", db, "--endpoint", f"http://127.0.0.1:{bench.PORT_API_KILL}", "--auth", creds]
    subprocess.run(base + ["import-manifest", "--manifest", manifest, "--download-path", dest], check=True, stdout=subprocess.DEVNULL)
    rng = random.Random(SEED)
    rows, kept, served = [], 0, 0
    started = time.monotonic()
    for kill in range(kills):
        run_started = time.monotonic()
        process = subprocess.Popen(base + ["run", "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # Kills land mid-transfer: a moment after the run's first bytes reach its part files. Until
        # then a resumed run reads its part files back to hash them, and a kill there costs nothing.
        while on_disk(dest, entries) <= kept and process.poll() is None:
            time.sleep(0.01)
        first_bytes = time.monotonic() - run_started
        delay = rng.uniform(0.2, 0.9)
        try:
            process.wait(timeout=delay)
            break  # finished before its kill
        except subprocess.TimeoutExpired:
            pass
        os.killpg(process.pid, signal.SIGSTOP)
        server_queues, client_queues = socket_queues(bench.PORT_STORE_LOG)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        wait_for_connections_closed(bench.PORT_STORE_LOG)
        now_kept, now_served = on_disk(dest, entries), served_bytes(log)
        rows.append({"first_bytes_s": first_bytes, "after_s": delay, "on_disk": now_kept, "served": now_served - served, "kept": now_kept - kept,
                     "server_queues": server_queues, "client_queues": client_queues})
        kept, served = now_kept, now_served
        print(f"kill {kill + 1}: first bytes on disk after {first_bytes:.2f}s, killed {delay:.2f}s later: {now_kept / 1e6:.1f} MB on disk, this run sent {rows[-1]['served'] / 1e6:.1f} MB and "
              f"{rows[-1]['kept'] / 1e6:.1f} MB stayed; nginx's send queues {server_queues / 1e6:.1f} MB, gen3's receive queues "
              f"{client_queues / 1e6:.1f} MB", flush=True)
    final = subprocess.run(base + ["run", "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_connections_closed(bench.PORT_STORE_LOG)
    wall = time.monotonic() - started
    ok = final.returncode == 0 and bench.verify(dest, entries)
    all_served = served_bytes(log)
    print(f"kills: {len(rows)}; {all_served / 1e6:.1f} MB served for {total / 1e6:.1f} MB, ok={ok}", flush=True)
    os.rename(dest, os.path.join(root, "trash", f"kill-{time.monotonic_ns()}"))
    return {"files": len(entries), "large": [large_n, large_size], "small": [small_n, 16 << 10], "bytes": total, "served": all_served,
            "ok": ok, "wall": wall, "kills": rows}


def socket_queues(port):
    """Bytes in the send queues of the server's end of every connection to `port` (written, not yet
    acknowledged by the client), and in the receive queues of the clients' ends (received, not read)."""
    listing = subprocess.run(["ss", "-tnH", "state", "established", f"( sport = :{port} or dport = :{port} )"],
                             capture_output=True, text=True).stdout
    server = client = 0
    for line in listing.splitlines():
        receive, send, local = line.split()[:3]
        if local.endswith(f":{port}"):
            server += int(send)
        else:
            client += int(receive)
    return server, client


def wait_for_connections_closed(port, timeout=10):
    """nginx logs a request once it sees its connection go: wait for that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listing = subprocess.run(["ss", "-tnH", f"( sport = :{port} )"], capture_output=True, text=True).stdout
        if not listing.strip():
            return
        time.sleep(0.05)


def on_disk(dest, entries):
    """Bytes of the set on disk: files at their final names, and part files."""
    total = 0
    for _, name, size, _ in entries:
        for path in [os.path.join(dest, name), os.path.join(dest, name + ".part")]:
            if os.path.exists(path):
                total += os.path.getsize(path)
    return total


def served_bytes(log):
    with open(log) as f:
        return sum(int(line.split()[-1]) for line in f if line.strip())


def report(kill):
    """The kill section of BENCHMARKS.md."""
    if not kill:
        return []
    rows = kill["kills"]
    resent = kill["served"] - kill["bytes"]
    large_n, large_size = kill["large"]
    small_n, small_size = kill["small"]
    mib = 2**20
    lines = ["", "## What a kill -9 costs", "",
             f"{large_n} × {large_size >> 20} MiB + {small_n} × {small_size >> 10} KiB from nginx on loopback (`scripts/bench_kill.py`); `gen3 run` "
             f"killed {len(rows)} times (SIGKILL to its process group, at seeded random moments 0.2 to 0.9 s after the run's first "
             f"bytes reached its part files), then run to the end. The files {'all match' if kill['ok'] else 'do NOT all match'} their md5. nginx logged {kill['served'] / 1e6:.1f} MB "
             f"of bodies for a {kill['bytes'] / 1e6:.1f} MB set: **{resent / 1e6:.1f} MB fetched again, "
             f"{resent / max(1, len(rows)) / mib:.1f} MiB per kill**.", "",
             "Where each kill's bytes were (MiB): sent is what nginx logged for the killed run, stayed is what that run added on disk "
             "(part files, continued from their size by the next run, and finished files); the difference was lost, and at the kill "
             "it sat in nginx's socket send queues (counted as sent, never received), in gen3's socket receive queues, or in gen3's "
             "memory (the rest: read by gen3, not yet written). First bytes is the time from the run's start to its first bytes on "
             "disk: a run that resumes reads each part file back to hash it before that file asks for the rest.", "",
             "| kill | first bytes after s | killed after s more | on disk | sent | stayed | lost | nginx's send queues | gen3's receive queues | gen3's memory |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for index, row in enumerate(rows):
        lost = row["served"] - row["kept"]
        memory = lost - row["server_queues"] - row["client_queues"]
        lines.append(f"| {index + 1} | {row['first_bytes_s']:.2f} | {row['after_s']:.2f} | {row['on_disk'] / mib:.1f} | {row['served'] / mib:.1f} | {row['kept'] / mib:.1f} | "
                     f"{lost / mib:.1f} | {row['server_queues'] / mib:.1f} | {row['client_queues'] / mib:.1f} | {memory / mib:.1f} |")
    return lines
