#!/usr/bin/env python3
"""Two commons against one: the same number of files of the same size, served by the bundled test
commons on loopback, once as one commons and once as a two-commons federation (a mixed manifest:
drs:// URIs, prefixed ids resolved through the hub's metadata service and the DRS resolver,
commons_url rows, bare GUIDs). Alternating rounds; prints medians, spread and the ratio per round."""
import argparse, os, shutil, signal, statistics, subprocess, sys, tempfile, time


def start_commons(binary, directory, files, size, federation):
    os.makedirs(directory, exist_ok=True)
    ready = os.path.join(directory, "ready")
    arguments = [binary, "--objects", str(files // 2 if federation else files), "--min-size", str(size), "--max-size", str(size),
                 "--seed", "11", "--write-manifest", os.path.join(directory, "manifest.json"), "--ready-file", ready]
    credentials = os.path.join(directory, "home", ".gen3") if federation else os.path.join(directory, "credentials.json")
    arguments += ["--write-credentials", credentials] + (["--federation", "2"] if federation else [])
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        if os.path.exists(ready):
            break
        time.sleep(0.1)
    lines = open(ready).read().split("\n")
    hub = lines[0].strip()
    resolver = next((line.split()[1] for line in lines if line.startswith("resolver ")), None)
    key = os.path.join(credentials, hub.split("://")[1] + ".json") if federation else credentials
    return process, hub, resolver, key


def one_run(gen3, commons, directory, scratch):
    process, hub, resolver, key = commons
    job = tempfile.mkdtemp(dir=scratch)
    environment = dict(os.environ, HOME=os.path.join(directory, "home"))
    base = [gen3, "--db", os.path.join(job, "job.sqlite"), "--endpoint", hub, "--auth", key]
    subprocess.run(base + ["import-manifest", "--manifest", os.path.join(directory, "manifest.json"),
                           "--download-path", os.path.join(job, "data"), "--rename"],
                   check=True, stdout=subprocess.DEVNULL, env=environment)
    extra = ["--drs-resolver", resolver] if resolver else []
    started = time.monotonic()
    result = subprocess.run(base + ["run", "--no-progress"] + extra, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=environment)
    wall = time.monotonic() - started
    done = subprocess.run(base + ["sql", "--no-header", "SELECT count(*) FROM files WHERE state = 'done'"],
                          capture_output=True, text=True, env=environment).stdout.strip()
    shutil.rmtree(job)
    if result.returncode != 0:
        sys.exit(f"gen3 run failed: {result.stderr.decode()[-2000:]}")
    return wall, int(done)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gen3", required=True)
    parser.add_argument("--commons-binary", required=True)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--size", type=int, default=16 * 1024)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scratch", default=tempfile.gettempdir())
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="gen3-bench-commons-", dir=args.scratch)
    one = start_commons(args.commons_binary, os.path.join(root, "one"), args.files, args.size, False)
    two = start_commons(args.commons_binary, os.path.join(root, "two"), args.files, args.size, True)
    try:
        walls = {"one": [], "two": []}
        for round_number in range(args.rounds):
            # Alternating order, so a drift in the machine's speed falls on both.
            order = [("one", one), ("two", two)] if round_number % 2 == 0 else [("two", two), ("one", one)]
            for name, commons in order:
                wall, done = one_run(args.gen3, commons, os.path.join(root, name), root)
                if done != args.files:
                    sys.exit(f"{name}: {done} of {args.files} files done")
                walls[name].append(wall)
                print(f"round {round_number + 1} {name} commons: {wall:.2f} s", flush=True)
        ratios = [o / t for o, t in zip(walls["one"], walls["two"])]
        print(f"\n{args.files} files of {args.size} bytes, {args.rounds} alternating rounds, medians (min–max):")
        for name in ("one", "two"):
            values = walls[name]
            print(f"  {name} commons: {statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f}), "
                  f"{args.files / statistics.median(values):.0f} files/s")
        print(f"  two-commons speed relative to one commons, per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
              f"median {statistics.median(ratios):.2f}")
    finally:
        for process in (one[0], two[0]):
            process.send_signal(signal.SIGTERM)
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
