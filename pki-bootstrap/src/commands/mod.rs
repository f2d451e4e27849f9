//! One handler per subcommand, plus what they share: obtaining passphrases, the offline check,
//! and printing outcomes so witnesses can read the certificate details out.

mod ceremony;
mod crl;
mod cross_sign;
mod intermediate;
mod recover;
mod root;
mod server_cert;
mod sign_csr;
mod verify;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use pki_bootstrap::ca::CaDir;
use pki_bootstrap::hsm::KeyUri;
use pki_bootstrap::ops::{self, KeyProtection, Outcome, Signer};
use pki_bootstrap::secret::Passphrase;
use pki_bootstrap::{custody, offline};

use crate::cli::{Cli, Command, NewKeyArgs, OfflineArgs, SignerArgs};

/// Dispatches to the subcommand.
pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Root(a) => root::run(&a),
        Command::Intermediate(a) => intermediate::run(&a),
        Command::ServerCert(a) => server_cert::run(&a),
        Command::SignCsr(a) => sign_csr::run(&a),
        Command::CrossSign(a) => cross_sign::run(&a),
        Command::Crl(a) => crl::run(&a),
        Command::Verify(a) => verify::run(&a),
        Command::Recover(a) => recover::run(&a),
        Command::Ceremony(a) => ceremony::run(&a),
    }
}

/// Finishes what interrupted commands left in `dirs` before this command reads them, and says
/// on stderr what was done (even when the command then fails).
fn recover_first(dirs: &[&Path]) -> Result<()> {
    for note in ops::recover(dirs)? {
        eprintln!("note: {note}");
    }
    Ok(())
}

/// Warns (or refuses with --require-offline) when the machine is online.
fn offline_check(args: &OfflineArgs) -> Result<()> {
    if let Some(w) = offline::check(args.require_offline)? {
        eprintln!("{w}");
    }
    Ok(())
}

/// The protection for a new CA key: a passphrase from the file or asked twice, or plaintext
/// when both --no-encrypt and --insecure were given (clap enforces the pair).
fn new_key_protection(args: &NewKeyArgs, what: &str) -> Result<KeyProtection> {
    if args.no_encrypt && args.insecure {
        return Ok(KeyProtection::Plaintext);
    }
    if let (Some(uri), Some(module)) = (&args.key_uri, &args.pkcs11_module) {
        let uri = KeyUri::parse(uri)?;
        let pin = match &args.pin_file {
            Some(f) => Passphrase::from_file(f)?,
            None => Passphrase::prompt(&format!("PIN of token \"{}\"", uri.token), false)?,
        };
        return Ok(KeyProtection::Hsm {
            uri,
            module: module.clone(),
            pin,
        });
    }
    let pass = match &args.passphrase_file {
        Some(f) => {
            let p = Passphrase::from_file(f)?;
            p.check_new()?;
            p
        }
        None => Passphrase::prompt(what, true)?,
    };
    Ok(KeyProtection::encrypted(pass))
}

/// The signing CA with its passphrase (from the file, or asked once if its key is encrypted).
fn signer(args: &SignerArgs) -> Result<Signer> {
    let dir = CaDir::open(&args.ca)?;
    if !args.ca_shares.is_empty() {
        let key = custody::key_fingerprint(&dir.cert_der)?;
        let passphrase = custody::recover(&args.ca_shares, &key)?;
        return Ok(Signer::with_passphrase(args.ca.clone(), Some(passphrase)));
    }
    if let Some(uri) = dir.key_uri()? {
        let pin = match &args.ca_pin_file {
            Some(f) => Passphrase::from_file(f)?,
            None => Passphrase::prompt(&format!("PIN of token \"{}\"", uri.token), false)?,
        };
        return Ok(Signer {
            ca: args.ca.clone(),
            passphrase: None,
            pin: Some(pin),
            pkcs11_module: args.ca_pkcs11_module.clone(),
        });
    }
    let passphrase = match &args.ca_passphrase_file {
        Some(f) => Some(Passphrase::from_file(f)?),
        None if dir.key_is_encrypted()? => Some(Passphrase::prompt(
            &format!("CA key {}", args.ca.join("ca.key").display()),
            false,
        )?),
        None => None,
    };
    Ok(Signer::with_passphrase(args.ca.clone(), passphrase))
}

/// Prints what was created; warnings go to stderr.
fn print_outcome(title: &str, outcome: &Outcome) {
    println!("{title}");
    for c in &outcome.certificates {
        println!("{c}");
    }
    for f in &outcome.files {
        println!("  wrote {}", f.display());
    }
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
