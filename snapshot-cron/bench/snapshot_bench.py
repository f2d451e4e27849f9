#!/usr/bin/env python3
"""Benchmark of `snapshot-cron run` against the pipeline teams use today.

Starts its own OpenBao (Raft) and moto_server through scripts/testenv, fills OpenBao with
incompressible KV data until the Raft snapshot reaches each requested size, then, for each size
and in the same process:

  ours:      snapshot-cron run   (take from the active node, verify, SSE-KMS multipart upload)
  baseline:  bao operator raft snapshot save FILE  +  boto3 upload_file(SSE-KMS, same key)

and prints both wall times, the ratio ours/baseline, and the peak RSS of snapshot-cron (GNU
time). Not a test: nothing is asserted; the targets are ratio <= 1 and RSS < 64 MiB.

Run from the workspace root with the test environment's Python:
    .venv/bin/python snapshot-cron/bench/snapshot_bench.py --sizes 256,1024 \
        [--bin target/release/snapshot-cron]
"""

import argparse
import base64
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import requests

ROOT = Path(__file__).resolve().parents[2]
VALUE_BYTES = 384 * 1024  # raw bytes per KV entry; base64 in JSON stays under Raft's 1 MiB cap


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="256,1024", help="snapshot sizes in MiB, ascending")
    ap.add_argument("--bin", default=str(ROOT / "target/debug/snapshot-cron"))
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
    s3 = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    session = requests.Session()
    session.headers["X-Vault-Token"] = token
    session.post(f"{addr}/v1/sys/mounts/bench", json={"type": "kv"}).raise_for_status()

    written = 0
    rows = []
    for size_mib in sizes:
        written = fill(addr, token, written, size_mib * 1024 * 1024)
        ours = run_ours(args.bin, child_env, f"bench-{size_mib}", args.cron_args.split())
        base = run_baseline(env, s3, state, f"bench-{size_mib}-baseline")
        rows.append((size_mib, ours, base))
        print_row(size_mib, ours, base, flush=True)

    print()
    print(f"{'target':>8} {'snapshot MiB':>13} {'ours s':>8} {'baseline s':>11} {'ratio':>6} {'ours peak RSS MiB':>18}")
    for size_mib, ours, base in rows:
        print(
            f"{size_mib:>8} {ours['bytes'] / 1048576:>13.1f} {ours['seconds']:>8.1f} "
            f"{base['seconds']:>11.1f} {ours['seconds'] / base['seconds']:>6.2f} {ours['rss_mib']:>18.1f}"
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
    with tempfile.NamedTemporaryFile("r") as rss_file:
        t0 = time.monotonic()
        proc = subprocess.run(
            ["/usr/bin/time", "-o", rss_file.name, "-f", "%M", binary, "run", "--prefix", prefix,
             "--retain", "1", *extra],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        seconds = time.monotonic() - t0
        if proc.returncode != 0:
            raise SystemExit(f"snapshot-cron failed ({proc.returncode}): {proc.stdout.decode()}")
        rss_kib = int(rss_file.read().strip().splitlines()[-1])
    summary = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    marks = {}
    for line in proc.stderr.decode().splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            marks[event.get("message", "")] = parse_ts(event["timestamp"])
    take = marks["snapshot verified"] - marks["taking snapshot from the active node"]
    upload = marks["uploaded"] - marks["snapshot verified"]
    return {"seconds": seconds, "bytes": summary["bytes"], "rss_mib": rss_kib / 1024,
            "phases": f"take+verify {take:.1f}s, upload {upload:.1f}s"}


def parse_ts(ts: str) -> float:
    # 2026-11-23T23:37:48.508482Z
    hms = ts.split("T")[1].rstrip("Z")
    h, m, sec = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(sec)


def run_baseline(env: dict, s3, state: Path, key: str) -> dict:
    path = state / "baseline.snap"
    bao_env = dict(os.environ, VAULT_ADDR=env["VAULT_ADDR"], VAULT_TOKEN=env["VAULT_TOKEN"], HOME=str(state))
    t0 = time.monotonic()
    subprocess.run(
        [env["VAULTPKI_TEST_BAO"], "operator", "raft", "snapshot", "save", str(path)],
        env=bao_env,
        check=True,
    )
    saved = time.monotonic() - t0
    s3.upload_file(
        str(path),
        env["VAULTPKI_TEST_BUCKET"],
        key,
        ExtraArgs={"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": env["VAULTPKI_TEST_KMS_KEY_ID"]},
    )
    seconds = time.monotonic() - t0
    size = path.stat().st_size
    path.unlink()
    return {"seconds": seconds, "bytes": size,
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
