#!/usr/bin/env python3
"""Benchmark of `snapshot-cron run` against the pipeline teams use today.

Starts its own OpenBao (Raft) and moto_server through scripts/testenv, fills OpenBao with
incompressible KV data until the Raft snapshot reaches each requested size, then, for each size
and in the same process, alternating `--repeat` times:

  ours:      snapshot-cron run   (take from the active node, verify and SSE-KMS multipart upload
             at the same time)
  baseline:  bao operator raft snapshot save FILE  +  boto3 upload_file(SSE-KMS, same key)

and prints both wall times (median and range), the ratio ours/baseline, and the peak RSS of
each process (GNU time: snapshot-cron; `bao` and the boto3 upload, each in its own process).
Not a test: nothing is asserted; the targets are a ratio <= 0.8 at 256 MiB and <= 0.7 at 1 GiB,
and a peak RSS <= 32 MiB.

Run from the workspace root with the test environment's Python, on a release build:
    cargo build --release -p snapshot-cron
    .venv/bin/python snapshot-cron/bench/snapshot_bench.py --sizes 256,1024 --repeat 3
"""

import argparse
import base64
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
VALUE_BYTES = 384 * 1024  # raw bytes per KV entry; base64 in JSON stays under Raft's 1 MiB cap


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="256,1024", help="snapshot sizes in MiB, ascending")
    ap.add_argument("--bin", default=str(ROOT / "target/release/snapshot-cron"))
    ap.add_argument("--repeat", type=int, default=3, help="interleaved runs of each per size")
    ap.add_argument("--keep", action="store_true", help="leave the environment running")
    ap.add_argument(
        "--cron-args",
        default="",
        help="extra flags for snapshot-cron run, e.g. '--upload-concurrency 1 --part-size-mib 64'",
    )
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    state = Path(tempfile.mkdtemp(prefix="snapshot-bench-"))
    subprocess.run(
        [str(ROOT / "scripts/testenv"), "up", "--bao", "--moto", "--state-dir", str(state)]
        + ([] if args.keep else ["--owner-pid", str(os.getpid())]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    env = json.loads((state / "env.json").read_text())
    addr, token = env["VAULT_ADDR"], env["VAULT_TOKEN"]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    child_env.update(env)
    child_env.update(
        HOME=str(state),
        SNAPSHOT_CRON_BUCKET=env["VAULTPKI_TEST_BUCKET"],
        SNAPSHOT_CRON_KMS_KEY_ID=env["VAULTPKI_TEST_KMS_KEY_ID"],
        SNAPSHOT_CRON_S3_FORCE_PATH_STYLE="true",
        SNAPSHOT_CRON_LOG="info",
        SNAPSHOT_CRON_LOG_FORMAT="json",
        SNAPSHOT_CRON_TEMP_DIR=str(state),
    )
    session = requests.Session()
    session.headers["X-Vault-Token"] = token
    session.post(f"{addr}/v1/sys/mounts/bench", json={"type": "kv"}).raise_for_status()

    written = 0
    rows = []
    for size_mib in sizes:
        written = fill(addr, token, written, size_mib * 1024 * 1024)
        ours_runs, base_runs = [], []
        for i in range(args.repeat):
            # Alternate which goes first, so neither always runs on a warmer cache.
            order = ["ours", "base"] if i % 2 == 0 else ["base", "ours"]
            for which in order:
                if which == "ours":
                    ours = run_ours(args.bin, child_env, f"bench-{size_mib}", args.cron_args.split())
                    ours_runs.append(ours)
                else:
                    base = run_baseline(env, state, f"bench-{size_mib}-baseline")
                    base_runs.append(base)
            print_row(size_mib, ours_runs[-1], base_runs[-1], flush=True)
        rows.append((size_mib, ours_runs, base_runs))

    print()
    print(f"load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    print(
        f"{'size':>6} {'snapshot MiB':>13} {'ours s (range)':>18} {'pipeline s (range)':>20} "
        f"{'ratio':>6} {'ours RSS MiB':>13} {'bao RSS MiB':>12} {'boto3 RSS MiB':>14} "
        f"{'complete s':>11}"
    )
    for size_mib, ours_runs, base_runs in rows:
        o = [r["seconds"] for r in ours_runs]
        b = [r["seconds"] for r in base_runs]
        print(
            f"{size_mib:>6} {ours_runs[0]['bytes'] / 1048576:>13.1f} "
            f"{statistics.median(o):>7.1f} ({min(o):.1f}-{max(o):.1f}) "
            f"{statistics.median(b):>9.1f} ({min(b):.1f}-{max(b):.1f}) "
            f"{statistics.median(o) / statistics.median(b):>6.2f} "
            f"{max(r['rss_mib'] for r in ours_runs):>13.1f} "
            f"{max(r['bao_rss_mib'] for r in base_runs):>12.1f} "
            f"{max(r['boto3_rss_mib'] for r in base_runs):>14.1f} "
            f"{statistics.median(r['complete_s'] for r in ours_runs):>11.1f}"
        )
    print(
        "complete s: the endpoint's CompleteMultipartUpload (and our HEAD check) in our runs, "
        "median; the pipeline's upload ends with the same call on the same bytes"
    )
    return 0


def fill(addr: str, token: str, written: int, target: int) -> int:
    """Writes random KV entries until about `target` bytes of values are stored."""
    def put(i: int) -> None:
        body = {"v": base64.b64encode(os.urandom(VALUE_BYTES)).decode()}
        r = requests.put(f"{addr}/v1/bench/e{i}", json=body, headers={"X-Vault-Token": token}, timeout=60)
        r.raise_for_status()

    # Stored size is the base64 text (encrypted), about 4/3 of the raw bytes.
    per_entry = VALUE_BYTES * 4 // 3
    start = written // per_entry
    end = -(-target // per_entry)
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(start, end)))
    print(f"filled to ~{end * per_entry / 1048576:.0f} MiB in {time.monotonic() - t0:.0f}s", file=sys.stderr)
    return end * per_entry


def run_ours(binary: str, env: dict, prefix: str, extra: list) -> dict:
    # GNU time forks a tiny process and reports its child's peak RSS; wait4 on a child forked
    # from this Python process would include the pre-exec copy of the interpreter.
    t0 = time.monotonic()
    proc, rss_kib = timed([binary, "run", "--prefix", prefix, "--retain", "1", *extra], env)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"snapshot-cron failed ({proc.returncode}): {proc.stdout.decode()}")
    summary = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    marks = {}
    for line in proc.stderr.decode().splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            marks[event.get("message", "")] = parse_ts(event["timestamp"])
    # The upload runs during the take; what is left after the snapshot verified is the tail.
    take = marks["snapshot verified"] - marks["taking snapshot from the active node"]
    completing = marks["all parts uploaded, completing the upload"]
    tail = completing - marks["snapshot verified"]
    complete = marks["uploaded"] - completing
    return {"seconds": seconds, "bytes": summary["bytes"], "rss_mib": rss_kib / 1024,
            "complete_s": complete,
            "phases": f"take+verify+upload {take:.1f}s, parts after it {tail:.1f}s, "
                      f"CompleteMultipartUpload+HEAD {complete:.1f}s"}


def timed(argv: list, env: dict) -> tuple:
    """Runs argv under GNU time; returns the completed process and its peak RSS in KiB."""
    # GNU time forks a tiny process and reports its child's peak RSS; wait4 on a child forked
    # from this Python process would include the pre-exec copy of the interpreter.
    with tempfile.NamedTemporaryFile("r") as rss_file:
        proc = subprocess.run(
            ["/usr/bin/time", "-o", rss_file.name, "-f", "%M", *argv],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        return proc, int(rss_file.read().strip().splitlines()[-1])


def parse_ts(ts: str) -> float:
    # 2026-11-23T23:37:48.508482Z
    hms = ts.split("T")[1].rstrip("Z")
    h, m, sec = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(sec)


UPLOAD = """
import boto3, os, sys
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
s3.upload_file(sys.argv[1], os.environ["VAULTPKI_TEST_BUCKET"], sys.argv[2], ExtraArgs={
    "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": os.environ["VAULTPKI_TEST_KMS_KEY_ID"]})
"""


def run_baseline(env: dict, state: Path, key: str) -> dict:
    path = state / "baseline.snap"
    bao_env = dict(os.environ, HOME=str(state), **{k: v for k, v in env.items() if isinstance(v, str)})
    t0 = time.monotonic()
    proc, bao_rss = timed(
        [env["VAULTPKI_TEST_BAO"], "operator", "raft", "snapshot", "save", str(path)], bao_env
    )
    if proc.returncode != 0:
        raise SystemExit(f"bao failed: {proc.stderr.decode()}")
    saved = time.monotonic() - t0
    # boto3 in its own process, so its peak RSS is its own (the upload_file a script would run).
    proc, boto3_rss = timed([sys.executable, "-c", UPLOAD, str(path), key], bao_env)
    if proc.returncode != 0:
        raise SystemExit(f"boto3 upload failed: {proc.stderr.decode()}")
    seconds = time.monotonic() - t0
    size = path.stat().st_size
    path.unlink()
    return {"seconds": seconds, "bytes": size, "bao_rss_mib": bao_rss / 1024,
            "boto3_rss_mib": boto3_rss / 1024,
            "phases": f"save {saved:.1f}s, upload {seconds - saved:.1f}s"}


def print_row(size_mib: int, ours: dict, base: dict, flush: bool) -> None:
    print(
        f"{size_mib} MiB target: snapshot {ours['bytes'] / 1048576:.1f} MiB; "
        f"ours {ours['seconds']:.1f}s ({ours['phases']}; peak RSS {ours['rss_mib']:.1f} MiB), "
        f"baseline {base['seconds']:.1f}s ({base['phases']}), "
        f"ratio {ours['seconds'] / base['seconds']:.2f}",
        flush=flush,
    )


if __name__ == "__main__":
    sys.exit(main())
