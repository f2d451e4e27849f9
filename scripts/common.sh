# Shared by scripts/test and scripts/quickstart: say what is happening, time each step, and make
# sure the machine has what the project needs, installing it where that can be done unattended.
# Sourced, not run.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

fail() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# A step runs with errexit in force. (Calling it as `"$@" || fail` would silently switch errexit
# off inside the step's functions, so a failing command would go unnoticed.) The ERR trap names
# the step and the command that failed; errtrace (set -E, set by the callers) carries it into
# functions.
declare -a _timings=()
_step=""
trap '_rc=$?; echo "$(basename "$0"): step \"$_step\" failed (exit $_rc) at: $BASH_COMMAND" >&2' ERR
step() {
  _step=$1
  shift
  echo "==> $_step" >&2
  local t0=$SECONDS
  "$@"
  _timings+=("$(printf '%5ds  %s' $((SECONDS - t0)) "$_step")")
}

print_timings() {
  echo "==> time per step" >&2
  printf '%s\n' "${_timings[@]}" >&2
}

# System packages from apt: the C toolchain bits the openssl crate builds against, and the
# openssl CLI the interop tests use as a second implementation.
ensure_system_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  command -v apt-get >/dev/null ||
    fail "missing system packages: ${missing[*]}; install them with your package manager"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "==> installing ${missing[*]} with apt-get" >&2
  $sudo apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null ||
    fail "apt-get could not install ${missing[*]}; install them by hand and re-run"
}

ensure_toolchain() {
  command -v cargo >/dev/null ||
    fail "cargo is not installed; install Rust with rustup (https://rustup.rs) and re-run"
  cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt ||
    fail "rustfmt is missing; run 'rustup component add rustfmt'"
  cargo clippy --version >/dev/null 2>&1 || rustup component add clippy ||
    fail "clippy is missing; run 'rustup component add clippy'"
}

# Terraform is not in any registry we install from: the user brings terraform or tofu.
ensure_terraform() {
  if [[ -n "${TF_ACC_TERRAFORM_PATH:-}" ]]; then
    [[ -x "$TF_ACC_TERRAFORM_PATH" ]] || fail "TF_ACC_TERRAFORM_PATH=$TF_ACC_TERRAFORM_PATH is not executable"
    return 0
  fi
  command -v terraform >/dev/null || command -v tofu >/dev/null ||
    fail "neither terraform nor tofu is on PATH: install Terraform >= 1.11 (https://developer.hashicorp.com/terraform/install) or OpenTofu >= 1.11 (https://opentofu.org/docs/intro/install/), or set TF_ACC_TERRAFORM_PATH"
}

# Everything the quickstart needs. The test command adds the test-only tools with
# ensure_test_tools.
# The terraform (or tofu) binary to use, as the acceptance harness picks it.
terraform_bin() {
  if [[ -n "${TF_ACC_TERRAFORM_PATH:-}" ]]; then
    echo "$TF_ACC_TERRAFORM_PATH"
  else
    command -v terraform || command -v tofu
  fi
}

ensure_all() {
  ensure_toolchain
  ensure_system_packages pkg-config libssl-dev openssl python3-venv ca-certificates curl
  ensure_terraform
  "$root/scripts/testenv" install >&2 || fail "could not install the test environment"
}

# SoftHSM2 for pki-bootstrap's HSM tests, kubectl to render the snapshot-cron kustomize base
# (Debian ships it as kubernetes-client; keep a kubectl that is already there), and lego, the
# ACME client the ACME end-to-end test drives. snapshot-cron's metrics are checked against a real
# Pushgateway and its alert rules with promtool (Debian's prometheus package ships it).
ensure_test_tools() {
  "$root/scripts/testenv" install --softhsm >&2 || fail "could not install softhsm2"
  command -v kubectl >/dev/null || ensure_system_packages kubernetes-client
  ensure_system_packages prometheus-pushgateway prometheus
  ensure_lego
  # strace: pki-bootstrap's crash test kills the ceremony at every file-placing system call
  # (strace --inject).
  ensure_system_packages strace
  ensure_cert_deploy_tools
}

# cert-deploy's acceptance tests and the quickstart run Debian's nginx as a plain process on a
# loopback port (its own config and -p prefix); strace (above) kills cert-deploy mid-deploy. Debian's
# postinst starts the system nginx on port 80, which the ACME tests and the quickstart need for
# HTTP-01: when this installs nginx, the system service is stopped and disabled right after, so
# nothing keeps port 80.
ensure_cert_deploy_tools() {
  command -v nginx >/dev/null && return 0
  ensure_system_packages nginx
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    $sudo systemctl disable --now nginx.service >/dev/null 2>&1 || true
  fi
  $sudo nginx -s quit >/dev/null 2>&1 || true
}

# lego (Debian's package), the ACME client the quickstart and the ACME tests use.
ensure_lego() {
  command -v lego >/dev/null || ensure_system_packages lego
}

# A Terraform CLI configuration $1/cli.tfrc installing vaultpki/vaultpki from a filesystem
# mirror $1/providers (unpacked layout) that holds the provider binary in directory $2 under the
# workspace version, so `terraform init` installs a local build as it installs a release (see
# scripts/release and docs/guides/installing-the-provider.md), without dev_overrides.
provider_dev_mirror() {
  local version platform mirror
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n1)
  platform="linux_$(dpkg --print-architecture)"
  mirror="$1/providers/registry.terraform.io/vaultpki/vaultpki/$version/$platform"
  mkdir -p "$mirror"
  ln -sf "$2/terraform-provider-vaultpki" "$mirror/terraform-provider-vaultpki"
  cat >"$1/cli.tfrc" <<HCL
provider_installation {
  filesystem_mirror {
    path    = "$1/providers"
    include = ["vaultpki/vaultpki"]
  }
  direct {
    exclude = ["vaultpki/vaultpki"]
  }
}
HCL
}
