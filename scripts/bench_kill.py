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
    """Kills, resumes and the accounting, for gen3 and then for the curl reference; returns what
    `report` needs (gen3's figures, with the reference's under "curl")."""
    large_n, large_size, small_n, kills = (12, 16 << 20, 50, 4) if quick else (12, 64 << 20, 200, 8)
    entries = bench.make_dataset(root, "kill", large_n, large_size, 5) + bench.make_dataset(root, "small", small_n, 16 << 10, 1)
    manifest = os.path.join(root, "kill.json")
    bench.write_manifest(manifest, entries)
    creds = os.path.join(root, "credentials-kill.json")
    with open(creds, "w") as f:
        json.dump({"api_key": "x." + bench.b64({"iss": f"http://127.0.0.1:{bench.PORT_API_KILL}/user"}) + ".sig", "key_id": "bench"}, f)
    db = os.path.join(root, "kill.sqlite")
    for path in [db, db + "-wal", db + "-shm"]:
        if os.path.exists(path):
            os.remove(path)
    base = [gen3, "--db", db, "--endpoint", f"http://127.0.0.1:{bench.PORT_API_KILL}", "--auth", creds]

    def gen3_prepare(dest):
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(dest)
        subprocess.run(base + ["import-manifest", "--manifest", manifest, "--download-path", dest], check=True, stdout=subprocess.DEVNULL)
        return base + ["run", "--no-progress"]

    def curl_command(dest):
        # The reference: curl on the same URLs, as many at once as the large files (and more),
        # each file continued from its size on disk (-C -) when run again, as a user resumes with
        # curl; a run asks only for the files not complete (curl fails a resume past the end).
        # curl writes what it reads at once, so what a kill costs it is what sat in the socket
        # queues: what any client on these connections loses when it dies.
        config = os.path.join(root, "kill.curl")
        left = [e for e in entries if not os.path.exists(os.path.join(dest, e[1])) or os.path.getsize(os.path.join(dest, e[1])) < e[2]]
        if not left:
            return ["true"]
        with open(config, "w") as f:
            for e in left:
                f.write(f'url = "{bench.url(e, f"127.0.0.2:{bench.PORT_STORE_LOG}")}"\noutput = "{os.path.join(dest, e[1])}"\n')
        return ["curl", "--parallel", "--parallel-immediate", "--parallel-max", "32", "-s", "--fail", "-C", "-", "--config", config]

    shape = {"files": len(entries), "large": [large_n, large_size], "small": [small_n, 16 << 10]}
    gen3_dest = os.path.join(root, "out", "kill-gen3")
    gen3_command = gen3_prepare(gen3_dest)
    result = {**shape, **kill_and_resume("gen3", entries, gen3_dest, lambda: gen3_command, kills=kills)}
    # curl, which does not make its files durable, takes a fraction of gen3's time: it is killed
    # when as much of the set is on disk as when gen3 was, not after the same time.
    curl_dest = os.path.join(root, "out", "kill-curl")
    shutil.rmtree(curl_dest, ignore_errors=True)
    targets = [row["on_disk"] for row in result["kills"]]
    result["curl"] = {**shape, **kill_and_resume("curl", entries, curl_dest, lambda: curl_command(curl_dest), targets=targets)}
    return result


def kill_and_resume(tool, entries, dest, command, kills=0, targets=None):
    """Runs `command()` in `dest`, kills it `kills` times at seeded moments (or once as soon as
    each of `targets` bytes of the set is on disk), runs it to the end, and accounts for every
    byte nginx served."""
    total = sum(e[2] for e in entries)
    root = os.path.dirname(os.path.dirname(dest))
    os.makedirs(dest, exist_ok=True)
    log = os.path.join(root, "served.log")
    # nginx appends to the log it has open: emptying it starts the count at 0.
    open(log, "w").close()
    rng = random.Random(SEED)
    rows, kept, served = [], 0, 0
    started = time.monotonic()
    for kill in range(len(targets) if targets is not None else kills):
        run_started = time.monotonic()
        process = subprocess.Popen(command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # Kills land mid-transfer: a moment after the run's first bytes reach its part files. Until
        # then a resumed run reads its part files back to hash them, and a kill there costs nothing.
        while on_disk(dest, entries) <= kept and process.poll() is None:
            time.sleep(0.01)
        first_bytes = time.monotonic() - run_started
        if targets is not None:
            while on_disk(dest, entries) < targets[kill] and process.poll() is None:
                time.sleep(0.001)
            delay = time.monotonic() - run_started - first_bytes
            if process.poll() is not None:
                break  # finished before its kill
        else:
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
        print(f"{tool} kill {kill + 1}: first bytes on disk after {first_bytes:.2f}s, killed {delay:.2f}s later: {now_kept / 1e6:.1f} MB on disk, this run sent "
              f"{rows[-1]['served'] / 1e6:.1f} MB and {rows[-1]['kept'] / 1e6:.1f} MB stayed; nginx's send queues {server_queues / 1e6:.1f} MB, "
              f"{tool}'s receive queues {client_queues / 1e6:.1f} MB", flush=True)
    final = subprocess.run(command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_connections_closed(bench.PORT_STORE_LOG)
    wall = time.monotonic() - started
    ok = final.returncode == 0 and bench.verify(dest, entries)
    all_served = served_bytes(log)
    print(f"{tool}: kills: {len(rows)}; {all_served / 1e6:.1f} MB served for {total / 1e6:.1f} MB, ok={ok}", flush=True)
    os.rename(dest, os.path.join(root, "trash", f"kill-{tool}-{time.monotonic_ns()}"))
    return {"bytes": total, "served": all_served, "ok": ok, "wall": wall, "kills": rows}


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
             f"{resent / max(1, len(rows)) / mib:.1f} MiB per kill**."]
    reference = kill.get("curl")
    if reference:
        curl_resent = reference["served"] - reference["bytes"]
        curl_rows = reference["kills"]
        lines += ["", f"The reference, in the same run: curl on the same URLs (`--parallel --parallel-max 32`; run again, it continues "
                      f"each file not complete from its size on disk with `-C -`), killed {len(curl_rows)} times, each when as much of "
                      f"the set was on disk as at one of gen3's kills (curl, which makes nothing durable, takes a fraction of gen3's "
                      f"time): {curl_resent / 1e6:.1f} MB fetched again, **{curl_resent / max(1, len(curl_rows)) / mib:.1f} MiB per kill** "
                      f"(files {'all match' if reference['ok'] else 'do NOT all match'} their md5). curl writes what it reads at once, so "
                      "what a kill costs it is what sat in the socket queues: what any client on these connections loses when it dies.", "",
                  f"Target (issue 22), at most 16 MiB fetched again per kill: gen3 {resent / max(1, len(rows)) / mib:.1f} MiB, "
                  f"{'met' if resent / max(1, len(rows)) <= 16 * mib else 'not met'}; curl at the same points of the set "
                  f"{curl_resent / max(1, len(curl_rows)) / mib:.1f} MiB."]
    lines += ["", "Where each kill's bytes were (MiB): sent is what nginx logged for the killed run, stayed is what that run added on disk "
              "(part files, continued from their size by the next run, and finished files); the difference was lost, and at the kill "
              "it sat in nginx's socket send queues (counted as sent, never received), in the client's socket receive queues, or in the "
              "client's memory (the rest: read, not yet written). First bytes is the time from the run's start to its first bytes on "
              "disk: a run that resumes reads each part file back to hash it before that file asks for the rest. The queues are read "
              "while the client is stopped, just before the kill, and nginx logs a connection's bytes once it closes: the "
              "client's memory is exact to a few hundred KiB either way.", "",
              "| tool | kill | first bytes after s | killed after s more | on disk | sent | stayed | lost | nginx's send queues | client's receive queues | client's memory |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for tool, tool_rows in [("gen3", rows)] + ([("curl", reference["kills"])] if reference else []):
        for index, row in enumerate(tool_rows):
            lost = row["served"] - row["kept"]
            memory = lost - row["server_queues"] - row["client_queues"]
            lines.append(f"| {tool} | {index + 1} | {row['first_bytes_s']:.2f} | {row['after_s']:.2f} | {row['on_disk'] / mib:.1f} | {row['served'] / mib:.1f} | "
                         f"{row['kept'] / mib:.1f} | {lost / mib:.1f} | {row['server_queues'] / mib:.1f} | {row['client_queues'] / mib:.1f} | {memory / mib:.1f} |")
    return lines
