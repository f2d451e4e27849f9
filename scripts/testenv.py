"""The vaultpki test environment: real OpenBao servers and moto_server on 127.0.0.1.

Run through `scripts/testenv`, which installs the dependencies first. One implementation serves the
acceptance tests, the quickstart and developers:

  up     start a single OpenBao Raft node (plain and TLS listeners), a 3-node Raft cluster and
         moto_server with a KMS key and a KMS-encrypted bucket; write <state>/env and env.json
  down   stop exactly the processes `up` recorded (PID + start time) and remove the state dir
  env    print the env file of a running environment
  status say which recorded processes are still running

Every server gets free ports, its own data directory under the state directory, and a deadline:
when it does not come up in time, `up` stops what it started and says where the log is.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_STATE = ROOT / ".testenv"
READY_DEADLINE = float(os.environ.get("VAULTPKI_TESTENV_DEADLINE", "60"))
AWS_REGION = "us-east-1"


class EnvError(Exception):
    """A component did not come up; the message names it and where its log is."""


# ---------------------------------------------------------------------------------------------
# Commands


def cmd_up(args: argparse.Namespace) -> int:
    state: Path = args.state_dir
    if (state / "pids.json").exists() and any(alive(p) for p in load_pids(state)):
        raise EnvError(
            f"an environment is already running in {state}; "
            f"run 'scripts/testenv down --state-dir {state}' first"
        )
    wanted = {c for c in ("bao", "cluster", "moto") if getattr(args, c)}
    if not wanted:
        wanted = {"bao", "cluster", "moto"}
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    env: dict[str, str] = {
        "VAULTPKI_TEST_BAO": str(VENV_BIN / "bao"),
        "VAULTPKI_TEST_PYTHON": str(VENV_BIN / "python"),
        "VAULTPKI_TEST_STATE_DIR": str(state),
    }
    try:
        if args.owner_pid:
            start_reaper(state, args.owner_pid)
        if "moto" in wanted:
            # moto starts in the background while OpenBao initialises.
            moto = start_moto(state)
        if "bao" in wanted:
            with step("OpenBao single node (plain + TLS listeners)"):
                env.update(start_single(state, args))
        if "cluster" in wanted:
            with step("OpenBao 3-node Raft cluster"):
                env.update(start_cluster(state))
        if "moto" in wanted:
            with step("moto_server with KMS key and bucket"):
                env.update(finish_moto(state, moto))
    except BaseException:
        stop_recorded(state, keep_logs=True)
        raise
    write_env(state, env)
    sys.stdout.write(render_env(env))
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    state: Path = args.state_dir
    if not state.exists():
        print(f"testenv: nothing to stop in {state}", file=sys.stderr)
        return 0
    stopped = stop_recorded(state, keep_logs=False)
    print(f"testenv: stopped {stopped} process(es) and removed {state}", file=sys.stderr)
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    path = args.state_dir / "env"
    if not path.exists():
        raise EnvError(f"no environment in {args.state_dir}; run 'scripts/testenv up' first")
    sys.stdout.write(path.read_text())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    entries = load_pids(args.state_dir)
    if not entries:
        print(f"testenv: no environment in {args.state_dir}")
        return 1
    down = 0
    for e in entries:
        ok = alive(e)
        down += not ok
        print(f"{e['name']:<16} pid {e['pid']:<8} {'running' if ok else 'NOT RUNNING'}")
    return 1 if down else 0


def cmd_reap(args: argparse.Namespace) -> int:
    """Runs detached: tears the environment down once its owner process has gone."""
    while pid_exists(args.owner_pid):
        time.sleep(0.5)
    stop_recorded(args.state_dir, keep_logs=False, skip_pid=os.getpid())
    return 0


# ---------------------------------------------------------------------------------------------
# OpenBao


def start_single(state: Path, args: argparse.Namespace) -> dict[str, str]:
    tls_dir = state / "tls"
    if args.tls_cert:
        cert, key, ca = Path(args.tls_cert), Path(args.tls_key), Path(args.tls_ca)
    else:
        cert, key, ca = make_tls(tls_dir)
    node = BaoNode(state, state / "bao", "bao", tls=(cert, key))
    node.start()
    node.wait_listening()
    init = node.initialise()
    node.unseal(init["keys_base64"][0])
    node.wait_health(200, "active")
    return {
        "VAULT_ADDR": node.addr,
        "BAO_ADDR": node.addr,
        "VAULT_TOKEN": init["root_token"],
        "BAO_TOKEN": init["root_token"],
        "VAULTPKI_TEST_UNSEAL_KEY": init["keys_base64"][0],
        "VAULTPKI_TEST_TLS_ADDR": node.tls_addr,
        "VAULTPKI_TEST_CACERT": str(ca),
    }


def start_cluster(state: Path) -> dict[str, str]:
    leader = BaoNode(state, state / "cluster" / "node1", "cluster-node1")
    followers = [
        BaoNode(state, state / "cluster" / f"node{i}", f"cluster-node{i}", join=leader)
        for i in (2, 3)
    ]
    for n in (leader, *followers):
        n.start()
    for n in (leader, *followers):
        n.wait_listening()
    init = leader.initialise()
    key = init["keys_base64"][0]
    leader.unseal(key)
    leader.wait_health(200, "active")
    for f in followers:
        f.join_and_unseal(key)
    for f in followers:
        f.wait_health(429, "standby")
    # Autopilot promotes new members to voters only after its stabilisation time (~10 s); a
    # standby answers requests before that, so membership is what we wait for.
    leader.wait_members(init["root_token"], 3)
    return {
        "VAULTPKI_TEST_CLUSTER_ADDRS": ",".join(n.addr for n in (leader, *followers)),
        "VAULTPKI_TEST_CLUSTER_TOKEN": init["root_token"],
        "VAULTPKI_TEST_CLUSTER_UNSEAL_KEY": key,
    }


class BaoNode:
    """One `bao server` with Raft storage under its own directory."""

    def __init__(self, state: Path, home: Path, name: str, tls=None,
                 join: "BaoNode | None" = None):
        self.state, self.home, self.name, self.tls, self.join = state, home, name, tls, join
        self.port, self.cluster_port = free_port(), free_port()
        self.addr = f"http://127.0.0.1:{self.port}"
        self.tls_port = free_port() if tls else None
        self.tls_addr = f"https://127.0.0.1:{self.tls_port}" if tls else None
        self.log = home / "server.log"
        self.proc: subprocess.Popen | None = None

    def config(self) -> str:
        data = self.home / "data"
        lines = [
            'ui = false',
            'disable_mlock = true',
            f'api_addr = "{self.addr}"',
            f'cluster_addr = "https://127.0.0.1:{self.cluster_port}"',
            'storage "raft" {',
            f'  path = "{data}"',
            f'  node_id = "{self.name}"',
            '  performance_multiplier = 1',
        ]
        if self.join:
            lines += ['  retry_join {', f'    leader_api_addr = "{self.join.addr}"', '  }']
        lines += [
            '}',
            'listener "tcp" {',
            f'  address = "127.0.0.1:{self.port}"',
            f'  cluster_address = "127.0.0.1:{self.cluster_port}"',
            '  tls_disable = true',
            '}',
        ]
        if self.tls:
            cert, key = self.tls
            lines += [
                'listener "tcp" {',
                f'  address = "127.0.0.1:{self.tls_port}"',
                f'  cluster_address = "127.0.0.1:{free_port()}"',
                f'  tls_cert_file = "{cert}"',
                f'  tls_key_file = "{key}"',
                '}',
            ]
        return "\n".join(lines) + "\n"

    def start(self) -> None:
        (self.home / "data").mkdir(parents=True)
        cfg = self.home / "config.hcl"
        cfg.write_text(self.config())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
        env["HOME"] = str(self.home)  # keeps the CLI's token helper away from the user's ~.
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "bao"), "server", f"-config={cfg}"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, start_new_session=True,
            )
        record_pid(self.state, self.name, self.proc.pid)

    def wait_listening(self) -> None:
        # sys/health answers 501 before init, 503 sealed, 200 active, 429 standby.
        self._until(lambda: self.health() is not None, "start listening")

    def health(self) -> int | None:
        try:
            return http("GET", f"{self.addr}/v1/sys/health")[0]
        except OSError:
            return None

    def initialise(self) -> dict:
        status, body = http("PUT", f"{self.addr}/v1/sys/init",
                            {"secret_shares": 1, "secret_threshold": 1})
        if status != 200:
            raise EnvError(f"{self.name}: sys/init answered {status}: {body}; log: {self.log}")
        return body

    def unseal(self, key: str) -> None:
        status, body = http("PUT", f"{self.addr}/v1/sys/unseal", {"key": key})
        if status != 200:
            raise EnvError(f"{self.name}: sys/unseal answered {status}: {body}; log: {self.log}")

    def join_and_unseal(self, key: str) -> None:
        # With retry_join the node joins once the leader is unsealed; the unseal key then lets it
        # answer the leader's challenge. Unsealing before the join completes is not an error, so
        # repeat until the node leaves the sealed state.
        def unsealed() -> bool:
            try:
                status, body = http("PUT", f"{self.addr}/v1/sys/unseal", {"key": key})
            except OSError:
                return False
            return status == 200 and body.get("sealed") is False
        self._until(unsealed, "join the cluster and unseal", interval=0.5)

    def wait_health(self, want: int, what: str) -> None:
        self._until(lambda: self.health() == want, f"become {what}")

    def wait_members(self, token: str, count: int) -> None:
        def enough() -> bool:
            status, body = http("GET", f"{self.addr}/v1/sys/storage/raft/configuration",
                                token=token)
            servers = body.get("data", {}).get("config", {}).get("servers", []) \
                if status == 200 else []
            return len(servers) >= count
        self._until(enough, f"report {count} Raft members")

    def _until(self, check, what: str, interval: float = 0.1) -> None:
        deadline = time.monotonic() + READY_DEADLINE
        while time.monotonic() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise EnvError(
                    f"{self.name}: OpenBao exited with status {self.proc.returncode} before it "
                    f"could {what}; its log is {self.log}"
                )
            if check():
                return
            time.sleep(interval)
        raise EnvError(
            f"{self.name}: OpenBao did not {what} within {READY_DEADLINE:.0f}s "
            f"(VAULTPKI_TESTENV_DEADLINE); its log is {self.log}"
        )


# ---------------------------------------------------------------------------------------------
# moto_server: S3 + KMS


def start_moto(state: Path) -> dict:
    home = state / "moto"
    home.mkdir(parents=True)
    port = free_port()
    log = home / "moto.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, cwd=home,
        )
    record_pid(state, "moto_server", proc.pid)
    return {"proc": proc, "port": port, "log": log}


def finish_moto(state: Path, moto: dict) -> dict[str, str]:
    endpoint = f"http://127.0.0.1:{moto['port']}"
    deadline = time.monotonic() + READY_DEADLINE
    while True:
        if moto["proc"].poll() is not None:
            raise EnvError(
                f"moto_server exited with status {moto['proc'].returncode}; "
                f"its log is {moto['log']}"
            )
        try:
            if http("GET", f"{endpoint}/moto-api/data.json")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise EnvError(
                f"moto_server did not answer within {READY_DEADLINE:.0f}s; its log is {moto['log']}"
            )
        time.sleep(0.1)
    import boto3  # imported late: it takes ~0.3 s and only `up` with moto needs it.

    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
             "region_name": AWS_REGION, "endpoint_url": endpoint}
    kms = boto3.client("kms", **creds)
    key_id = kms.create_key(Description="vaultpki test environment")["KeyMetadata"]["KeyId"]
    s3 = boto3.client("s3", **creds)
    bucket = f"vaultpki-test-{secrets.token_hex(4)}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_id},
            "BucketKeyEnabled": False,
        }]},
    )
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": AWS_REGION,
        "AWS_DEFAULT_REGION": AWS_REGION,  # boto3 reads this one; the Rust SDK reads both.
        "VAULTPKI_TEST_KMS_KEY_ID": key_id,
        "VAULTPKI_TEST_BUCKET": bucket,
    }


# ---------------------------------------------------------------------------------------------
# TLS material for the single node's TLS listener


def make_tls(out: Path) -> tuple[Path, Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    out.mkdir(parents=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vaultpki testenv CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                              ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False),
                       critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_path, cert_path, key_path = out / "ca.crt", out / "tls.crt", out / "tls.key"
    ca_path.write_bytes(ca.public_bytes(pem))
    cert_path.write_bytes(cert.public_bytes(pem))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path, ca_path


# ---------------------------------------------------------------------------------------------
# Processes: record exactly what we start, stop exactly that


def record_pid(state: Path, name: str, pid: int) -> None:
    path = state / "pids.json"
    entries = json.loads(path.read_text()) if path.exists() else []
    entries.append({"name": name, "pid": pid, "start": start_time(pid)})
    atomic_write(path, json.dumps(entries, indent=1))


def load_pids(state: Path) -> list[dict]:
    path = state / "pids.json"
    return json.loads(path.read_text()) if path.exists() else []


def start_reaper(state: Path, owner: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, __file__, "_reap", "--state-dir", str(state), "--owner-pid", str(owner)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    record_pid(state, "reaper", proc.pid)


def stop_recorded(state: Path, keep_logs: bool, skip_pid: int | None = None) -> int:
    entries = [e for e in load_pids(state) if e["pid"] != skip_pid]
    running = [e for e in entries if alive(e)]
    for e in running:
        try:
            os.kill(e["pid"], signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(e) for e in running):
        time.sleep(0.1)
    for e in running:
        if alive(e):
            try:
                os.kill(e["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass
    if keep_logs:
        # Data goes, logs stay where the error message pointed.
        for data in state.rglob("data"):
            shutil.rmtree(data, ignore_errors=True)
        (state / "pids.json").unlink(missing_ok=True)
    else:
        shutil.rmtree(state, ignore_errors=True)
    return len(running)


def alive(entry: dict) -> bool:
    """True while the recorded process runs: same PID *and* same start time (no PID reuse)."""
    return pid_exists(entry["pid"]) and start_time(entry["pid"]) == entry["start"] and \
        not is_zombie(entry["pid"])


def pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


# ---------------------------------------------------------------------------------------------
# Small helpers


class step:
    """Prints one progress line per component to stderr, with how long it took."""

    def __init__(self, what: str):
        self.what = what

    def __enter__(self):
        self.t0 = time.monotonic()
        print(f"testenv: starting {self.what} ...", file=sys.stderr, flush=True)

    def __exit__(self, exc_type, *_):
        if exc_type is None:
            took = time.monotonic() - self.t0
            print(f"testenv: {self.what} ready in {took:.1f}s", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: dict | None = None, token: str | None = None,
         cafile: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("X-Vault-Token", token)
    ctx = ssl.create_default_context(cafile=cafile) if cafile else None
    try:
        with urllib.request.urlopen(req, timeout=5, context=ctx) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as e:
        raw, status = e.read(), e.code
    try:
        return status, json.loads(raw) if raw else {}
    except ValueError:
        return status, {"raw": raw[:200].decode(errors="replace")}


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_env(state: Path, env: dict[str, str]) -> None:
    atomic_write(state / "env", render_env(env))
    atomic_write(state / "env.json", json.dumps(env, indent=1, sort_keys=True))


def render_env(env: dict[str, str]) -> str:
    return "".join(f"{k}={shlex.quote(v)}\n" for k, v in sorted(env.items()))


def main() -> int:
    p = argparse.ArgumentParser(prog="scripts/testenv", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def with_state(sp):
        sp.add_argument("--state-dir", type=lambda s: Path(s).resolve(), default=DEFAULT_STATE,
                        help="where data, logs, PIDs and the env file live (default: .testenv/)")
        return sp

    up = with_state(sub.add_parser("up", help="start the environment"))
    up.add_argument("--bao", action="store_true", help="the single OpenBao node")
    up.add_argument("--cluster", action="store_true", help="the 3-node OpenBao Raft cluster")
    up.add_argument("--moto", action="store_true", help="moto_server with a KMS key and bucket")
    up.add_argument("--owner-pid", type=int,
                    help="tear everything down when this process exits")
    up.add_argument("--tls-cert", help="certificate (PEM, with chain) for the TLS listener")
    up.add_argument("--tls-key", help="its private key")
    up.add_argument("--tls-ca", help="the CA clients should trust for it")
    with_state(sub.add_parser("down", help="stop what `up` started and remove its data"))
    with_state(sub.add_parser("env", help="print the env file"))
    with_state(sub.add_parser("status", help="show the recorded processes"))
    reap = with_state(sub.add_parser("_reap"))
    reap.add_argument("--owner-pid", type=int, required=True)
    args = p.parse_args()
    if args.cmd == "up" and bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if args.cmd == "up" and args.tls_cert and not args.tls_ca:
        p.error("--tls-cert needs --tls-ca (the CA clients should trust)")
    handler = {"up": cmd_up, "down": cmd_down, "env": cmd_env, "status": cmd_status,
               "_reap": cmd_reap}[args.cmd]
    try:
        return handler(args)
    except EnvError as e:
        print(f"testenv: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
