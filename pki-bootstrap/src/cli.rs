//! Command-line arguments (clap derive). Relationships between flags are declared here, not
//! checked by hand; each subcommand's handler lives in `commands/`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::LazyLock;

use clap::{Args, Parser, Subcommand};
use pki_bootstrap::crl::Reason;
use pki_bootstrap::csr::Profile;
use pki_bootstrap::custody::Split;
use pki_bootstrap::defaults;
use pki_bootstrap::keys::KeyType;

/// Environment variable: passphrase file for a new CA key.
pub(crate) const ENV_PASSPHRASE_FILE: &str = "PKI_BOOTSTRAP_PASSPHRASE_FILE";
/// Environment variable: PKCS#11 module for a new key on a token.
pub(crate) const ENV_PKCS11_MODULE: &str = "PKI_BOOTSTRAP_PKCS11_MODULE";
/// Environment variable: passphrase file for the signing CA's key.
pub(crate) const ENV_CA_PASSPHRASE_FILE: &str = "PKI_BOOTSTRAP_CA_PASSPHRASE_FILE";

const EXAMPLES: &str = "\
Examples:
  pki-bootstrap root --out root --subject 'CN=Example Root CA,O=Example' --path-len 1
  pki-bootstrap intermediate --ca root --out int --subject 'CN=Example Offline Intermediate'
  pki-bootstrap server-cert --ca int --out openbao-tls --dns localhost --ip 127.0.0.1
  pki-bootstrap sign-csr --ca root --csr pki_int.csr --profile intermediate --out pki_int.pem
  pki-bootstrap cross-sign --ca root --cert new-root/ca.pem --out new-root-cross.pem
  pki-bootstrap crl --ca root --revoke 3a:0f:... --reason key-compromise --next-update 30d
  pki-bootstrap verify root int openbao-tls
  pki-bootstrap recover root
  pki-bootstrap ceremony --config examples/ceremony/ceremony.toml --out ceremony --dry-run

Exit codes: 0 success, 1 failure, 2 usage error, 3 verify found a failing check.";

/// `--version`: the OpenSSL the binary carries, so the ceremony can check it is the static
/// release build (`-V` prints the version alone).
static LONG_VERSION: LazyLock<String> = LazyLock::new(|| {
    let linkage = if cfg!(feature = "vendored-openssl") {
        "vendored, linked statically"
    } else {
        "system library"
    };
    format!(
        "{}\n{} ({linkage})",
        env!("CARGO_PKG_VERSION"),
        openssl::version::version()
    )
});

/// Offline root CA ceremony: root and intermediate CAs, the OpenBao/Vault listener certificate,
/// CSR signing under fixed profiles, CRLs, and independent verification.
#[derive(Debug, Parser)]
#[command(name = "pki-bootstrap", version, long_version = LONG_VERSION.as_str(), after_help = EXAMPLES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create a self-signed root CA in a new CA directory.
    Root(RootArgs),
    /// Create an offline intermediate CA signed by a CA directory.
    Intermediate(IntermediateArgs),
    /// Create the OpenBao/Vault listener certificate (tls.crt, tls.key, ca.crt).
    ServerCert(ServerCertArgs),
    /// Sign a CSR (e.g. from a PKI mount) under a fixed profile.
    SignCsr(SignCsrArgs),
    /// Cross-sign an existing CA certificate (same subject, key and key identifier).
    CrossSign(CrossSignArgs),
    /// Revoke serials and write the CA's signed CRL.
    Crl(CrlArgs),
    /// Check chains, key pairs, extensions, CRLs and SHA256SUMS; one PASS/FAIL line per check.
    Verify(VerifyArgs),
    /// Run a whole hierarchy from one reviewed TOML file.
    Ceremony(CeremonyArgs),
    /// Complete or undo what an interrupted command left in a directory, and say which.
    Recover(RecoverArgs),
}

/// How a new CA key is protected.
#[derive(Debug, Args)]
#[command(next_help_heading = "New key")]
pub(crate) struct NewKeyArgs {
    /// Key type: p256, p384, ed25519, rsa2048, rsa3072, rsa4096.
    #[arg(long, default_value = "p384")]
    pub(crate) key_type: KeyType,
    /// Read the new key's passphrase from the first line of FILE instead of prompting.
    #[arg(long, value_name = "FILE", env = ENV_PASSPHRASE_FILE)]
    pub(crate) passphrase_file: Option<PathBuf>,
    /// Write the CA key unencrypted (needs --insecure as well).
    #[arg(long, requires = "insecure", conflicts_with_all = ["passphrase_file", "key_uri"])]
    pub(crate) no_encrypt: bool,
    /// Confirms --no-encrypt.
    #[arg(long, requires = "no_encrypt")]
    pub(crate) insecure: bool,
    /// Create the key on a PKCS#11 token instead: 'pkcs11:token=LABEL;object=LABEL' (p256/p384).
    #[arg(
        long,
        value_name = "URI",
        requires = "pkcs11_module",
        conflicts_with = "passphrase_file"
    )]
    pub(crate) key_uri: Option<String>,
    /// The PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so) for --key-uri.
    #[arg(long, value_name = "PATH", env = ENV_PKCS11_MODULE, requires = "key_uri")]
    pub(crate) pkcs11_module: Option<PathBuf>,
    /// Read the token's user PIN from the first line of FILE instead of prompting.
    #[arg(long, value_name = "FILE", requires = "key_uri")]
    pub(crate) pin_file: Option<PathBuf>,
}

/// Validity and path length of a CA certificate signed by another CA.
#[derive(Debug, Args)]
pub(crate) struct ChildCaArgs {
    /// Validity in days.
    #[arg(long, default_value_t = defaults::INTERMEDIATE_DAYS)]
    pub(crate) days: u32,
    /// pathLenConstraint of the new CA certificate.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        conflicts_with = "unlimited_path_len"
    )]
    pub(crate) path_len: u8,
    /// No pathLenConstraint on the new CA certificate.
    #[arg(long)]
    pub(crate) unlimited_path_len: bool,
    /// Shorten the validity to the issuer's (with a warning) instead of refusing.
    #[arg(long)]
    pub(crate) truncate_validity: bool,
}

impl ChildCaArgs {
    /// The pathLenConstraint asked for (None: unlimited).
    pub(crate) fn path_len(&self) -> Option<u8> {
        (!self.unlimited_path_len).then_some(self.path_len)
    }
}

/// Extensions beyond what the profile fixes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Extensions")]
pub(crate) struct ExtensionArgs {
    /// CRL distribution point URL, http:// (repeatable).
    #[arg(long = "crl-url", value_name = "URL")]
    pub(crate) crl_urls: Vec<String>,
    /// OCSP responder URL for authority information access, http:// (repeatable).
    #[arg(long = "ocsp-url", value_name = "URL")]
    pub(crate) ocsp_urls: Vec<String>,
    /// Where the issuer's certificate can be fetched (authority information access), http://.
    #[arg(long = "ca-issuers-url", value_name = "URL")]
    pub(crate) ca_issuers_urls: Vec<String>,
    /// Certificate policy OID, e.g. 1.3.6.1.4.1.99999.1.1 or anyPolicy (repeatable).
    #[arg(long = "policy", value_name = "OID")]
    pub(crate) policies: Vec<String>,
    /// Name constraint on a new intermediate CA, permitted subtree: dns:example.com,
    /// dns:.example.com, ip:10.0.0.0/8, email:example.com, uri:.example.com (repeatable).
    #[arg(long = "permit", value_name = "KIND:VALUE")]
    pub(crate) permitted: Vec<String>,
    /// Name constraint on a new intermediate CA, excluded subtree (same syntax; repeatable).
    #[arg(long = "exclude", value_name = "KIND:VALUE")]
    pub(crate) excluded: Vec<String>,
}

impl ExtensionArgs {
    /// The flags as the ceremony file would give them.
    pub(crate) fn spec(&self) -> pki_bootstrap::extensions::ExtensionSpec {
        pki_bootstrap::extensions::ExtensionSpec {
            crl_urls: self.crl_urls.clone(),
            ocsp_urls: self.ocsp_urls.clone(),
            ca_issuers_urls: self.ca_issuers_urls.clone(),
            policies: self.policies.clone(),
            permitted: self.permitted.clone(),
            excluded: self.excluded.clone(),
        }
    }
}

/// The signing CA.
#[derive(Debug, Args)]
#[command(next_help_heading = "Issuer")]
pub(crate) struct SignerArgs {
    /// The issuing CA directory (ca.pem, ca.key).
    #[arg(long, value_name = "DIR")]
    pub(crate) ca: PathBuf,
    /// Read the CA key's passphrase from the first line of FILE instead of prompting.
    #[arg(long, value_name = "FILE", env = ENV_CA_PASSPHRASE_FILE)]
    pub(crate) ca_passphrase_file: Option<PathBuf>,
    /// Rebuild the CA key's passphrase from custodians' share files (comma-separated; at least
    /// the threshold the key was split with, e.g. 3 of 5). Takes precedence over a CA
    /// passphrase file from the environment.
    #[arg(long, value_name = "S1,S2,...", value_delimiter = ',')]
    pub(crate) ca_shares: Vec<PathBuf>,
    /// For a CA key on a token: read its PIN from the first line of FILE instead of prompting.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_pin_file: Option<PathBuf>,
    /// For a CA key on a token: the PKCS#11 module, overriding the one in ca.key-uri.
    #[arg(long, value_name = "PATH")]
    pub(crate) ca_pkcs11_module: Option<PathBuf>,
}

/// Output and safety flags shared by commands that write.
#[derive(Debug, Args)]
#[command(next_help_heading = "Safety")]
pub(crate) struct SafetyArgs {
    /// Replace existing output files.
    #[arg(long)]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) offline: OfflineArgs,
}

/// The offline check every command that signs makes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Safety")]
pub(crate) struct OfflineArgs {
    /// Refuse to run while a non-loopback network interface is up.
    #[arg(long)]
    pub(crate) require_offline: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RootArgs {
    /// The new CA directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Subject, e.g. 'CN=Example Root CA,O=Example,C=NL'.
    #[arg(long, value_name = "DN")]
    pub(crate) subject: String,
    /// Validity in days.
    #[arg(long, default_value_t = defaults::ROOT_DAYS)]
    pub(crate) days: u32,
    /// pathLenConstraint (default: none).
    #[arg(long, value_name = "N")]
    pub(crate) path_len: Option<u8>,
    /// Quorum custody: encrypt the key with a random passphrase nobody sees, split into K-of-N
    /// share files (e.g. 3-of-5) in --shares-dir; later commands take --ca-shares. (A
    /// passphrase file from the environment is not used.)
    #[arg(
        long,
        value_name = "K-of-N",
        requires = "shares_dir",
        conflicts_with_all = ["no_encrypt", "key_uri"]
    )]
    pub(crate) split_passphrase: Option<Split>,
    /// Where --split-passphrase writes one share file per custodian (mode 0600).
    #[arg(long, value_name = "DIR", requires = "split_passphrase")]
    pub(crate) shares_dir: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) key: NewKeyArgs,
    #[command(flatten)]
    pub(crate) ext: ExtensionArgs,
    #[command(flatten)]
    pub(crate) safety: SafetyArgs,
}

#[derive(Debug, Args)]
pub(crate) struct IntermediateArgs {
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// The new CA directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Subject, e.g. 'CN=Example Offline Intermediate,O=Example'.
    #[arg(long, value_name = "DN")]
    pub(crate) subject: String,
    #[command(flatten)]
    pub(crate) ca_cert: ChildCaArgs,
    #[command(flatten)]
    pub(crate) key: NewKeyArgs,
    #[command(flatten)]
    pub(crate) ext: ExtensionArgs,
    #[command(flatten)]
    pub(crate) safety: SafetyArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ServerCertArgs {
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// Output directory for tls.crt, tls.key and ca.crt.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// DNS subjectAltName (repeatable).
    #[arg(long, value_name = "NAME", num_args = 1.., required_unless_present = "ip")]
    pub(crate) dns: Vec<String>,
    /// IP subjectAltName (repeatable).
    #[arg(long, value_name = "ADDR", num_args = 1..)]
    pub(crate) ip: Vec<IpAddr>,
    /// Subject (default: CN = the first DNS name or IP).
    #[arg(long, value_name = "DN")]
    pub(crate) subject: Option<String>,
    /// Key type: p256, p384, ed25519, rsa2048, rsa3072, rsa4096.
    #[arg(long, default_value = "p256")]
    pub(crate) key_type: KeyType,
    /// Validity in days.
    #[arg(long, default_value_t = defaults::LEAF_DAYS)]
    pub(crate) days: u32,
    /// Shorten the validity to the issuer's (with a warning) instead of refusing.
    #[arg(long)]
    pub(crate) truncate_validity: bool,
    #[command(flatten)]
    pub(crate) ext: ExtensionArgs,
    #[command(flatten)]
    pub(crate) safety: SafetyArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SignCsrArgs {
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// The CSR (PEM or DER).
    #[arg(long, value_name = "FILE")]
    pub(crate) csr: PathBuf,
    /// What to issue: intermediate, server or client.
    #[arg(long)]
    pub(crate) profile: Profile,
    /// Output PEM: the certificate, then the issuing chain up to and including the root.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// Validity in days (default: 1825 for intermediate, 397 otherwise).
    #[arg(long)]
    pub(crate) days: Option<u32>,
    /// pathLenConstraint for the intermediate profile.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) path_len: u8,
    /// Shorten the validity to the issuer's (with a warning) instead of refusing.
    #[arg(long)]
    pub(crate) truncate_validity: bool,
    #[command(flatten)]
    pub(crate) ext: ExtensionArgs,
    #[command(flatten)]
    pub(crate) safety: SafetyArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CrossSignArgs {
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// The existing CA certificate to cross-sign (PEM or DER; e.g. another root's ca.pem).
    #[arg(long, value_name = "FILE")]
    pub(crate) cert: PathBuf,
    /// Output PEM: the cross-certificate, then the issuing chain up to and including the root.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
    #[command(flatten)]
    pub(crate) ca_cert: ChildCaArgs,
    #[command(flatten)]
    pub(crate) ext: ExtensionArgs,
    #[command(flatten)]
    pub(crate) safety: SafetyArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CrlArgs {
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// Serial to revoke (hex, colons allowed; repeatable).
    #[arg(long, value_name = "SERIAL")]
    pub(crate) revoke: Vec<String>,
    /// Reason for each --revoke in order (one reason applies to all): unspecified,
    /// key-compromise, ca-compromise, affiliation-changed, superseded, cessation-of-operation,
    /// certificate-hold, privilege-withdrawn, aa-compromise (or RFC 5280's keyCompromise, ...).
    #[arg(long, value_name = "R", requires = "revoke")]
    pub(crate) reason: Vec<Reason>,
    /// Time until the next CRL is due: 30d, 12h, 2w.
    #[arg(long, value_name = "DURATION", default_value = "30d",
          value_parser = pki_bootstrap::crl::parse_duration)]
    pub(crate) next_update: time::Duration,
    #[command(flatten)]
    pub(crate) offline: OfflineArgs,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// CA directories, server-cert directories, or PEM files (leaf first, root last).
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Also decrypt ca.key with this passphrase to check the key/certificate pair.
    #[arg(long, value_name = "FILE")]
    pub(crate) passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct RecoverArgs {
    /// CA, server-cert or ceremony directories (any directory a command wrote).
    #[arg(required = true, value_name = "DIR")]
    pub(crate) dirs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct CeremonyArgs {
    /// The reviewed ceremony file (TOML).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: PathBuf,
    /// Directory to create the hierarchy in.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Validate and print exactly what would be created; write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// One passphrase file for every CA key (default: prompt per CA).
    #[arg(long, value_name = "FILE", env = ENV_PASSPHRASE_FILE)]
    pub(crate) passphrase_file: Option<PathBuf>,
    /// The PKCS#11 module for CAs with a key_uri (overrides pkcs11_module in the file).
    #[arg(long, value_name = "PATH", env = ENV_PKCS11_MODULE)]
    pub(crate) pkcs11_module: Option<PathBuf>,
    /// The user PIN of every token a key_uri names (first line; default: prompt per token).
    #[arg(long, value_name = "FILE")]
    pub(crate) pin_file: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) safety: SafetyArgs,
}
