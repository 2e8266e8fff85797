"""The benchmark's WAN section: the three sets of issue 22 with the commons 40 ms away.

Two gen3-latency-proxy processes stand between the tools and nginx: one in front of the control
plane (gen3 asks it for tokens and URLs), one in front of the storage host (every tool's presigned
URLs name it). Each connection waits a round trip to open, every byte takes half a round trip each
way, and each connection has at most WINDOW bytes in flight, so one connection tops out near
WINDOW / RTT. curl and aria2c get the URLs without asking Fence, as in the loopback section.
"""
import os, re, statistics, subprocess, time

import bench

RTT_MS = 40
WINDOW = "4MiB"
WINDOW_TEXT = "4 MiB"
# Per set: the tools, then the references (what the network and the disk allow, in the same rounds).
TOOLS = {
    "small": ["gen3", "gen3-1url", "curl", "aria2c"],
    "huge": ["gen3", "curl", "aria2c", "aria2c-x8", "network", "disk", "machine"],
    "mid": ["gen3", "curl", "aria2c", "aria2c-x8", "network", "disk", "machine"],
}
# Not among the references the targets are measured against (the issue names those two), but in
# the same rounds: the network, the disk and the md5 together, what a tool doing all three can
# reach on this machine (scripts/bench.py, tool "machine").
REFERENCES = ("network", "disk")


class Proxies:
    """The control plane's and the storage host's proxies, until stop()."""

    def __init__(self, binary, root):
        self.processes = []
        for name, listen, target in [("api", f"127.0.0.1:{bench.PORT_API_WAN_PROXY}", f"127.0.0.1:{bench.PORT_API_WAN}"),
                                     ("store", f"127.0.0.2:{bench.PORT_STORE_WAN_PROXY}", bench.STORE)]:
            ready = os.path.join(root, f"proxy-{name}.ready")
            if os.path.exists(ready):
                os.remove(ready)
            process = subprocess.Popen([binary, "--listen", listen, "--target", target, "--rtt-ms", str(RTT_MS), "--window", WINDOW,
                                        "--ready-file", ready], stdout=subprocess.DEVNULL)
            self.processes.append(process)
            # The program writes the file once it accepts connections.
            deadline = time.monotonic() + 30
            while not os.path.exists(ready):
                if process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"gen3-latency-proxy for {name} did not start")
                time.sleep(0.02)

    def stop(self):
        for process in self.processes:
            process.terminate()
            process.wait()


def tmpfs_directory():
    """Where the small sets' tmpfs runs write: BENCH_TMPFS, else a directory in /dev/shm."""
    path = os.environ.get("BENCH_TMPFS", f"/dev/shm/gen3-bench-{bench.PORT_BASE}")
    os.makedirs(path, exist_ok=True)
    return path


def datasets(root, quick):
    """The three sets (smaller with --quick), named as in the report."""
    small_n, huge, mid_n, mid = (200, 128 << 20, 8, 16 << 20) if quick else (1000, 1 << 30, 8, 128 << 20)
    return {"small": bench.make_dataset(root, "small", small_n, 16 << 10, 1),
            "huge": bench.make_dataset(root, "huge", 1, huge, 3),
            "mid": bench.make_dataset(root, "mid", mid_n, mid, 4)}


def run(root, gen3, proxy, creds, runs, quick, small_on, tools_filter, compare=None, sets_filter=None):
    """Alternating rounds of every tool on every set (those named in `sets_filter`, when given);
    returns what `report` needs."""
    sets = {name: entries for name, entries in datasets(root, quick).items() if not sets_filter or name in sets_filter}
    plan = []  # (label, set, out directory or None)
    for name in sets:
        for where in (small_on if name == "small" else ["disk"]):
            plan.append((f"wan-{name}" + ("-tmpfs" if where == "tmpfs" else ""), name, tmpfs_directory() if where == "tmpfs" else None))
    for label, name, _ in plan:
        bench.write_manifest(os.path.join(root, f"{label}.json"), sets[name])
    results = {}
    proxies = Proxies(proxy, root)
    try:
        for round_ in range(runs):
            for label, name, out in plan:
                extra = list(bench.VARIANTS) + (["gen3-cmp"] if compare else [])
                tools = [t for t in TOOLS[name] + extra if not tools_filter or t in tools_filter or t in extra]
                # The order rotates from round to round, as in the loopback section.
                for tool in tools[round_ % len(tools):] + tools[:round_ % len(tools)]:
                    r = bench.run_tool(tool, label, sets[name], root, compare if tool == "gen3-cmp" else gen3, creds, endpoint=f"http://127.0.0.1:{bench.PORT_API_WAN_PROXY}",
                                       store=f"127.0.0.2:{bench.PORT_STORE_WAN_PROXY}", out=out)
                    print(f"wan round {round_ + 1} {label:15} {tool:9} wall {r['wall']:.2f}s cpu {r['cpu']:.2f}s rss {r['rss'] / 2**20:.0f} MiB ok={r['ok']}",
                          flush=True)
                    results.setdefault(f"{label}/{tool}", []).append({k: v for k, v in r.items() if k not in ("stderr", "tx")})
    finally:
        proxies.stop()
    return {"rtt_ms": RTT_MS, "window": WINDOW, "runs": runs,
            "sets": {label: {"files": len(sets[name]), "bytes": sum(e[2] for e in sets[name]), "set": name} for label, name, _ in plan},
            "results": results}


def trace(root, gen3, proxy, creds, quick):
    """One gen3 -vv run of the small set at 40 ms, bulk route on and off: where each file's round
    trips go, from the requests gen3 logs with their times."""
    sets = datasets(root, quick)
    out = {}
    proxies = Proxies(proxy, root)
    try:
        for tool in ["gen3", "gen3-1url"]:
            label = f"wan-trace-{tool}"
            bench.write_manifest(os.path.join(root, f"{label}.json"), sets["small"])
            dest = os.path.join(root, "out", label)
            subprocess.run(["rm", "-rf", dest])
            command = [gen3, "-vv", "--endpoint", f"http://127.0.0.1:{bench.PORT_API_WAN_PROXY}", "--auth", creds, "download-multiple-async",
                       "--manifest", os.path.join(root, f"{label}.json"), "--download-path", dest, "--no-prompt", "--no-progress"]
            if tool == "gen3-1url":
                command.append("--no-bulk-urls")
            # Each line stamped as it arrives (gen3's own stamps are whole seconds).
            started = time.monotonic()
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            stamped = [(time.monotonic() - started, line.rstrip("\n")) for line in process.stderr]
            process.wait()
            wall = time.monotonic() - started
            log = os.path.join(root, f"{label}.log")
            with open(log, "w") as f:
                f.writelines(f"{t:8.3f} {line}\n" for t, line in stamped)
            out[tool] = summarize(stamped, len(sets["small"]), wall)
            out[tool]["log"] = log
            subprocess.run(["rm", "-rf", dest])
    finally:
        proxies.stop()
    return out


def summarize(stamped, files, wall):
    """Counts and median times of the requests in a gen3 -vv log of (seconds, line), each kind split
    by whether it opened its connection (gen3 says so); when storage requests began and ended, how
    many were in flight on average in between, and when the first answer of each kind came."""
    kinds, storage, first_answer = {}, [], {}
    for at, line in stamped:
        found = re.search(r"\] (.*) → (?:HTTP \d+|curl \d+) in (\d+) ms( on a new connection)?", line)
        if not found:
            continue
        request, ms, new = found[1], int(found[2]), bool(found[3])
        kind = ("bulk URLs" if "/bulk" in request else "token" if request.startswith("token") else "one URL" if "/user/data/download/" in request
                else "index" if "/index/" in request else "storage")
        first_answer.setdefault(kind, at)
        if kind == "storage":
            storage.append((at - ms / 1000, at))
        # The token request is made before the run, on a connection of its own.
        if kind != "token":
            kind += ", new connection" if new else ", open connection"
        kinds.setdefault(kind, []).append(ms)
    first, last = (min(s for s, _ in storage), max(e for _, e in storage)) if storage else (0, 0)
    return {"files": files, "wall": wall, "first_storage_s": first, "last_storage_s": last,
            "storage_in_flight": sum(e - s for s, e in storage) / (last - first) if last > first else 0,
            "first_answer_s": first_answer,
            "requests": {k: {"count": len(v), "median_ms": statistics.median(v), "max_ms": max(v)} for k, v in kinds.items()}}


def report(wan, trace_summary):
    """The WAN section of BENCHMARKS.md."""
    if not wan:
        return []
    lines = ["", f"## A commons {wan['rtt_ms']} ms away", "",
             f"Each tool against nginx through two `gen3-latency-proxy` processes (`scripts/bench_wan.py`): a {wan['rtt_ms']} ms round trip "
             f"(half of it each way on every byte, one more to open each connection) and {WINDOW_TEXT} in flight per connection, so "
             f"one connection tops out near {WINDOW_TEXT} / {wan['rtt_ms']} ms, about {(4 << 20) / (wan['rtt_ms'] / 1000) / 1e6:.0f} MB/s. gen3 gets its token and URLs through the control plane's proxy "
             "(gen3-1url: one URL request per file, as against a Fence without the bulk route); curl and aria2c are given the URLs. "
             "network and disk are references, not tools: the set fetched to /dev/null on 8 connections at once (a lone file as 8 "
             "ranges) through the proxy, and the set's bytes written to this disk with `dd` (O_DIRECT, then fsync), in the same rounds. "
             "machine is a third reference: the network reference's streams each written to a file and hashed as they come (an "
             "md5sum per stream), then synced: the three together on this machine's cores. "
             f"Medians of {wan['runs']} alternating rounds (min–max); a run whose files do not all match their md5 is not counted. "
             "Ratios are taken round by round (the same minutes), then their median.", "",
             "| set | tool | wall s | files/s | MB/s | CPU s | peak RSS MiB | vs curl | vs the lower reference |",
             "|---|---|---|---|---|---|---|---|---|"]
    results = wan["results"]
    paired_ratios = {}

    def walls(label, tool):
        return [r["wall"] if r["ok"] else None for r in results.get(f"{label}/{tool}", [])]

    def paired(label, tool, other):
        """Round-by-round ratios of speed (the inverse of the wall times)."""
        return [o / t for t, o in zip(walls(label, tool), other) if t and o]

    for label, info in wan["sets"].items():
        name = info["set"]
        # The lower reference of each round is the slower one: the larger wall time.
        reference = [max((w for w in ws if w), default=None) for ws in zip(*[walls(label, r) for r in REFERENCES if walls(label, r)])]
        curl = walls(label, "curl")
        for tool in TOOLS[name] + list(bench.VARIANTS) + ["gen3-cmp"]:
            good = [r for r in results.get(f"{label}/{tool}", []) if r["ok"]]
            if f"{label}/{tool}" not in results:
                continue
            title = f"{info['files']} × {size_name(info['bytes'] // info['files'])}" + (" (tmpfs)" if label.endswith("-tmpfs") else "")
            if not good:
                lines.append(f"| {title} | {tool} | failed | | | | | | |")
                continue
            wall = statistics.median(r["wall"] for r in good)
            spread = f"{min(r['wall'] for r in good):.2f}–{max(r['wall'] for r in good):.2f}"
            vs_curl = paired(label, tool, curl) if tool != "curl" else []
            vs_reference = paired(label, tool, reference) if tool not in REFERENCES and reference else []
            paired_ratios[(label, tool)] = {"curl": vs_curl, "reference": vs_reference,
                                            "disk": paired(label, tool, walls(label, "disk")) if walls(label, "disk") else []}
            lines.append(f"| {title} | {tool} | {wall:.2f} ({spread}) | {rate(info['files'] / wall)} | {info['bytes'] / wall / 1e6:.1f} | "
                         f"{statistics.median(r['cpu'] for r in good):.2f} | {statistics.median(r['rss'] for r in good) / 2**20:.0f} | "
                         f"{ratio(vs_curl)} | {ratio(vs_reference)} |")
    lines += ["", "vs curl and vs the lower reference are speed ratios (above 1: faster), the median of the rounds' ratios with their range."]
    lines += targets(wan, paired_ratios)
    if trace_summary:
        lines += ["", f"### Where a small file's round trips go at {wan['rtt_ms']} ms", "",
                  "One `gen3 -vv` run of the small set per row (on disk); gen3 logs each request with the time from its start to its "
                  "answer, which includes waiting for a connection, and whether it opened one (a round trip more). First answers: "
                  "seconds from the start to the first answer of each kind.", "",
                  "| run | wall s | files/s | first answers s | storage requests from, to s | storage requests in flight (mean) | requests: count, median ms (max) |",
                  "|---|---|---|---|---|---|---|"]
        for tool, summary in trace_summary.items():
            requests = "; ".join(f"{kind} {r['count']}, {r['median_ms']:.0f} ({r['max_ms']})" for kind, r in sorted(summary["requests"].items()))
            answers = ", ".join(f"{kind} {at:.2f}" for kind, at in sorted(summary.get("first_answer_s", {}).items(), key=lambda e: e[1]))
            lines.append(f"| {tool} | {summary['wall']:.2f} | {summary['files'] / summary['wall']:.0f} | {answers} | "
                         f"{summary['first_storage_s']:.2f}, {summary['last_storage_s']:.2f} | {summary['storage_in_flight']:.1f} | {requests} |")
    return lines


def targets(wan, ratios):
    """Issue 22's targets at 40 ms against this run's round-by-round ratios."""
    def median(label, tool, against):
        values = ratios.get((label, tool), {}).get(against, [])
        return statistics.median(values) if values else None

    rows = []
    for tool, wanted, route in [("gen3-1url", 1.5, "without the bulk route"), ("gen3", 2.5, "with the bulk route")]:
        found = median("wan-small", tool, "curl")
        if found is not None:
            rows.append(f"| small: gen3 files/s {route} ≥ {wanted:g}× curl | {found:.2f}× | {'met' if found >= wanted else 'not met'} |")
    found = median("wan-huge", "gen3", "reference")
    if found is not None:
        rows.append(f"| 1 GiB: gen3 MB/s ≥ 0.85× the lower reference | {found:.2f}× | {'met' if found >= 0.85 else 'not met'} |")
    curl, disk = median("wan-mid", "gen3", "curl"), median("wan-mid", "gen3", "disk")
    if curl is not None and disk is not None:
        met = curl >= 1.2 or disk >= 0.85
        rows.append(f"| 8 × 128 MiB: gen3 MB/s ≥ 1.2× curl or ≥ 0.85× the disk reference | {curl:.2f}× curl, {disk:.2f}× disk | "
                    f"{'met' if met else 'not met'} |")
    return ["", "| target (issue 22) | this run | |", "|---|---|---|"] + rows if rows else []


def size_name(size):
    for unit, shift in [("GiB", 30), ("MiB", 20), ("KiB", 10)]:
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    return f"{size} B"


def rate(value):
    """Files per second: whole numbers, but the few a second of a large set with two decimals."""
    return f"{value:.0f}" if value >= 10 else f"{value:.2f}"


def ratio(values):
    if not values:
        return ""
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"
