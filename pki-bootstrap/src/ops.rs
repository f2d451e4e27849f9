//! The ceremony operations behind each subcommand. Each one lints everything before it writes
//! anything, refuses existing outputs up front (without `force`), writes through [`fsio`],
//! verifies what landed on disk with OpenSSL, and appends to the ceremony record.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyUsagePurpose, SanType,
};
use time::OffsetDateTime;

use crate::ca::{self, CaDir, CaKey, Issued, Revoked, State};
use crate::csr::{self, Profile};
use crate::custody::{self, Split};
use crate::extensions::{self, Extensions, Name};
use crate::fsio::{self, MODE_PUBLIC, MODE_SECRET};
use crate::hsm::{HsmKey, KeyUri};
use crate::journal::{self, Transaction};
use crate::keys::{KeyType, PrivateKey};
use crate::lint::{self, CertInfo, Expect};
use crate::record::{self, CertSummary, LogEntry};
use crate::secret::Passphrase;
use crate::{Error, Result, dn, verify};

/// How a new CA key is stored.
#[derive(Debug)]
pub enum KeyProtection {
    /// Encrypted PKCS#8 (PBES2, PBKDF2-HMAC-SHA256 with this many iterations, AES-256-CBC).
    Encrypted {
        /// The passphrase.
        passphrase: Passphrase,
        /// PBKDF2 iterations.
        iterations: u32,
    },
    /// Plaintext PKCS#8: only with `--no-encrypt --insecure`.
    Plaintext,
    /// Generated on a PKCS#11 token; the CA directory records the URI in `ca.key-uri`.
    Hsm {
        /// Token and object labels.
        uri: KeyUri,
        /// The PKCS#11 module.
        module: PathBuf,
        /// The token's user PIN.
        pin: Passphrase,
    },
}

impl KeyProtection {
    /// Encrypted with the default iteration count.
    pub fn encrypted(passphrase: Passphrase) -> Self {
        Self::Encrypted {
            passphrase,
            iterations: crate::keys::pbkdf2_iterations(),
        }
    }
}

/// What a command did, for the binary to print.
#[derive(Debug, Default)]
pub struct Outcome {
    /// New certificates (witnesses read these out).
    pub certificates: Vec<CertSummary>,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Warnings to print on stderr.
    pub warnings: Vec<String>,
}

/// `root`.
#[derive(Debug)]
pub struct RootOptions {
    /// The new CA directory.
    pub out: PathBuf,
    /// Subject DN text.
    pub subject: String,
    /// Key type.
    pub key_type: KeyType,
    /// Validity in days.
    pub days: u32,
    /// pathLenConstraint (None: unlimited).
    pub path_len: Option<u8>,
    /// Key storage.
    pub protection: KeyProtection,
    /// Replace existing outputs.
    pub force: bool,
    /// Quorum custody: split the (encrypted) key's passphrase K-of-N into share files in this
    /// directory, placed together with the key.
    pub shares: Option<(Split, PathBuf)>,
    /// Extra extensions (policies, URLs; name constraints are refused on a root).
    pub extensions: Extensions,
}

/// Creates a self-signed root CA directory.
pub fn root(opts: &RootOptions) -> Result<Outcome> {
    let mut warnings = recover(&[&opts.out])?;
    let subject = dn::parse(&opts.subject)?;
    let mut files = ca_files(&opts.out, &opts.protection).to_vec();
    if let Some((split, dir)) = &opts.shares {
        warnings.extend(recover(&[dir.as_path()])?);
        files.extend(custody::share_paths(dir, *split));
    }
    fsio::ensure_absent(files.iter().map(PathBuf::as_path), opts.force)?;

    let (kp, key_file) = new_ca_key(opts.key_type, &opts.protection)?;
    let (not_before, not_after) = validity(opts.days)?;
    if opts.extensions.constraints.is_some() {
        return Err(Error::Invalid(
            "name constraints belong on an intermediate CA: RFC 5280 path validation ignores \
             them on a self-signed root"
                .into(),
        ));
    }
    let mut params = ca_params(subject, opts.path_len, not_before, not_after)?;
    opts.extensions.apply(&mut params);
    params.use_authority_key_identifier_extension = false;
    let cert = params
        .self_signed(&kp)
        .map_err(Error::rcgen("signing the root"))?;
    let der = cert.der().to_vec();
    lint::check_built(&der, Expect::Ca(opts.path_len))?;
    verify::chain(&der, &[], &der)?;

    let mut entry = LogEntry::new("root");
    entry
        .details
        .insert("key_type".into(), opts.key_type.name().into());
    let summary = CertSummary::from_der(&der)?;
    entry.certificates.push(summary.clone());
    let mut tx = Transaction::new("root", &opts.out, opts.force);
    stage_ca_dir(
        &mut tx,
        &opts.out,
        &der,
        &key_file,
        None,
        &State::default(),
        &mut entry,
    )?;
    if let Some((split, dir)) = &opts.shares {
        // The shares are placed with the key: a root whose passphrase was never split out
        // cannot be left behind.
        let KeyProtection::Encrypted { passphrase, .. } = &opts.protection else {
            return Err(Error::Invalid(
                "quorum custody needs an encrypted key (not --no-encrypt or a token)".into(),
            ));
        };
        let key = custody::key_fingerprint(&der)?;
        for (path, text) in custody::share_files(dir, *split, passphrase, &key)? {
            tx.create(&path, text.as_bytes().to_vec(), MODE_SECRET);
        }
        entry
            .details
            .insert("custody".into(), split.to_string().into());
    }
    record::stage(&mut tx, &opts.out, &entry)?;
    tx.commit(|| check_ca_dir_on_disk(&opts.out, &opts.protection, opts.path_len))?;
    warnings.extend(plaintext_warning(&opts.protection, &opts.out));
    Ok(Outcome {
        certificates: vec![summary],
        files,
        warnings,
    })
}

/// What signs: a CA directory and the secret that unlocks its key.
#[derive(Debug, Default)]
pub struct Signer {
    /// The issuing CA directory.
    pub ca: PathBuf,
    /// Passphrase for its key (None when the key is plaintext or on a token).
    pub passphrase: Option<Passphrase>,
    /// PIN of the token when the key is on one.
    pub pin: Option<Passphrase>,
    /// PKCS#11 module overriding the one recorded in `ca.key-uri`.
    pub pkcs11_module: Option<PathBuf>,
}

impl Signer {
    /// A signer for a CA directory whose key is unlocked by `passphrase`.
    pub fn with_passphrase(ca: PathBuf, passphrase: Option<Passphrase>) -> Self {
        Self {
            ca,
            passphrase,
            ..Self::default()
        }
    }

    /// The signing key, after the directory's record has been checked ([`CaDir::check_record`]).
    /// Callers have run [`recover`] on the directory first.
    fn key(&self, dir: &CaDir) -> Result<CaKey> {
        dir.check_record()?;
        dir.signing_key(
            self.passphrase.as_ref(),
            self.pin.as_ref(),
            self.pkcs11_module.as_deref(),
        )
    }
}

/// `intermediate`.
#[derive(Debug)]
pub struct IntermediateOptions {
    /// Issuer.
    pub signer: Signer,
    /// The new CA directory.
    pub out: PathBuf,
    /// Subject DN text.
    pub subject: String,
    /// Key type.
    pub key_type: KeyType,
    /// Validity in days.
    pub days: u32,
    /// pathLenConstraint of the new CA (None: unlimited).
    pub path_len: Option<u8>,
    /// Key storage.
    pub protection: KeyProtection,
    /// Replace existing outputs.
    pub force: bool,
    /// Shorten the validity to the issuer's instead of refusing.
    pub truncate_validity: bool,
    /// Extra extensions (CRL/AIA URLs, policies, name constraints).
    pub extensions: Extensions,
}

/// Creates an offline intermediate CA directory signed by another CA directory.
pub fn intermediate(opts: &IntermediateOptions) -> Result<Outcome> {
    let mut warnings = recover(&[&opts.out, &opts.signer.ca])?;
    let subject = dn::parse(&opts.subject)?;
    let issuer_dir = CaDir::open(&opts.signer.ca)?;
    let issuer_info = issuer_dir.info()?;
    lint::check_path_len(&issuer_info, &opts.subject, opts.path_len)?;
    let (not_before, mut not_after) = validity(opts.days)?;
    warnings.extend(lint::fit_validity(
        &issuer_info,
        &opts.subject,
        &mut not_after,
        opts.truncate_validity,
    )?);
    let files = ca_files(&opts.out, &opts.protection);
    fsio::ensure_absent(files.iter().map(PathBuf::as_path), opts.force)?;

    let issuer_key = opts.signer.key(&issuer_dir)?;
    let issuer = issuer_dir.issuer(&issuer_key)?;

    let (kp, key_file) = new_ca_key(opts.key_type, &opts.protection)?;
    let mut params = ca_params(subject, opts.path_len, not_before, not_after)?;
    opts.extensions.apply(&mut params);
    let cert = params
        .signed_by(&kp, &issuer)
        .map_err(Error::rcgen("signing the intermediate"))?;
    let der = cert.der().to_vec();
    lint::check_built(&der, Expect::Ca(opts.path_len))?;
    let above = issuer_dir.self_and_chain();
    verify::chain(&der, &above, issuer_dir.root_der())?;

    let mut entry = LogEntry::new("intermediate");
    entry
        .details
        .insert("key_type".into(), opts.key_type.name().into());
    entry
        .details
        .insert("issuer".into(), issuer_info.subject.clone().into());
    entry.details.extend(warning_details(&warnings));
    let summary = CertSummary::from_der(&der)?;
    entry.certificates.push(summary.clone());
    let mut tx = Transaction::new("intermediate", &opts.out, opts.force);
    stage_ca_dir(
        &mut tx,
        &opts.out,
        &der,
        &key_file,
        Some(&above),
        &State::default(),
        &mut entry,
    )?;
    record::stage(&mut tx, &opts.out, &entry)?;
    record_issued(&mut tx, &issuer_dir, &summary, "intermediate", &entry)?;
    tx.commit(|| check_ca_dir_on_disk(&opts.out, &opts.protection, opts.path_len))?;
    warnings.extend(plaintext_warning(&opts.protection, &opts.out));
    Ok(Outcome {
        certificates: vec![summary],
        files: files.to_vec(),
        warnings,
    })
}

/// `server-cert`.
#[derive(Debug)]
pub struct ServerOptions {
    /// Issuer.
    pub signer: Signer,
    /// Output directory (tls.crt, tls.key, ca.crt).
    pub out: PathBuf,
    /// DNS SANs.
    pub dns: Vec<String>,
    /// IP SANs.
    pub ip: Vec<IpAddr>,
    /// Subject DN text (default: CN = first DNS name or IP).
    pub subject: Option<String>,
    /// Key type.
    pub key_type: KeyType,
    /// Validity in days.
    pub days: u32,
    /// Replace existing outputs.
    pub force: bool,
    /// Shorten the validity to the issuer's instead of refusing.
    pub truncate_validity: bool,
    /// Extra extensions (CRL/AIA URLs, policies).
    pub extensions: Extensions,
}

/// The files `server-cert` writes.
pub const SERVER_FILES: [&str; 3] = ["tls.crt", "tls.key", "ca.crt"];

/// Creates the OpenBao/Vault listener certificate.
pub fn server_cert(opts: &ServerOptions) -> Result<Outcome> {
    let mut warnings = recover(&[&opts.out, &opts.signer.ca])?;
    if opts.dns.is_empty() && opts.ip.is_empty() {
        return Err(Error::Invalid(
            "a server certificate needs at least one --dns or --ip".into(),
        ));
    }
    for d in &opts.dns {
        csr::check_dns_name(d).map_err(Error::Invalid)?;
    }
    let subject_text = match &opts.subject {
        Some(s) => s.clone(),
        None => format!(
            "CN={}",
            opts.dns
                .first()
                .cloned()
                .unwrap_or_else(|| opts.ip[0].to_string())
        ),
    };
    let subject = dn::parse(&subject_text)?;
    let issuer_dir = CaDir::open(&opts.signer.ca)?;
    let issuer_info = issuer_dir.info()?;
    let names = extensions::server_names(&opts.dns, &opts.ip);
    check_against_issuer(&issuer_dir, &names)
        .map_err(|e| Error::Lint(format!("refusing the server certificate: {e}")))?;
    let (not_before, mut not_after) = validity(opts.days)?;
    warnings.extend(lint::fit_validity(
        &issuer_info,
        &subject_text,
        &mut not_after,
        opts.truncate_validity,
    )?);
    let files: Vec<PathBuf> = SERVER_FILES.iter().map(|f| opts.out.join(f)).collect();
    fsio::ensure_absent(files.iter().map(PathBuf::as_path), opts.force)?;

    let issuer_key = opts.signer.key(&issuer_dir)?;
    let issuer = issuer_dir.issuer(&issuer_key)?;
    let key = PrivateKey::generate(opts.key_type)?;
    let kp = key.key_pair()?;
    let mut sans = Vec::new();
    for d in &opts.dns {
        sans.push(SanType::DnsName(
            d.clone()
                .try_into()
                .map_err(Error::rcgen(format!("DNS name {d}")))?,
        ));
    }
    sans.extend(opts.ip.iter().map(|ip| SanType::IpAddress(*ip)));
    let is_rsa = matches!(
        opts.key_type,
        KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096
    );
    let mut params = leaf_params(
        subject,
        sans,
        Profile::Server,
        is_rsa,
        not_before,
        not_after,
    )?;
    opts.extensions.apply(&mut params);
    let cert = params
        .signed_by(&kp, &issuer)
        .map_err(Error::rcgen("signing the server certificate"))?;
    let der = cert.der().to_vec();
    lint::check_built(&der, Expect::Leaf)?;
    let above = issuer_dir.self_and_chain();
    verify::chain(&der, &above, issuer_dir.root_der())?;

    // tls.crt: the leaf and the chain up to, not including, the root.
    let mut bundle = vec![der.clone()];
    bundle.extend(above[..above.len() - 1].iter().cloned());
    let tls_crt = ca::pem_of(&bundle);
    let tls_key = key.to_plain_pem()?;
    let ca_crt = ca::pem_of(&[issuer_dir.root_der().to_vec()]);

    let mut entry = LogEntry::new("server-cert");
    entry
        .details
        .insert("issuer".into(), issuer_info.subject.clone().into());
    entry
        .details
        .insert("key_type".into(), opts.key_type.name().into());
    entry.details.extend(warning_details(&warnings));
    let mut tx = Transaction::new("server-cert", &opts.out, opts.force);
    for (name, contents, mode) in [
        ("tls.key", tls_key.as_slice(), MODE_SECRET),
        ("tls.crt", tls_crt.as_bytes(), MODE_PUBLIC),
        ("ca.crt", ca_crt.as_bytes(), MODE_PUBLIC),
    ] {
        let path = opts.out.join(name);
        tx.create(&path, contents.to_vec(), mode);
        entry.file(&path, contents);
    }
    let summary = CertSummary::from_der(&der)?;
    entry.certificates.push(summary.clone());
    record::stage(&mut tx, &opts.out, &entry)?;
    record_issued(&mut tx, &issuer_dir, &summary, "server-cert", &entry)?;
    tx.commit(|| {
        let on_disk = verify::paths(std::slice::from_ref(&opts.out), None);
        if let Some(failed) = on_disk
            .iter()
            .find(|c| !c.ok && !c.name.starts_with("manifest") && !c.name.starts_with("record"))
        {
            return Err(Error::Verify(failed.to_string()));
        }
        let tls_crt_path = opts.out.join("tls.crt");
        let written = ca::read_certs(&tls_crt_path)?;
        let leaf = written.first().ok_or_else(|| {
            Error::Verify(format!("{} holds no certificate", tls_crt_path.display()))
        })?;
        lint::check_built(leaf, Expect::Leaf).map(drop)
    })?;
    warnings.push(format!(
        "{} is NOT encrypted: the server reads it at start-up. Keep it mode 0600 and never commit it",
        opts.out.join("tls.key").display()
    ));
    Ok(Outcome {
        certificates: vec![summary],
        files,
        warnings,
    })
}

/// What `sign-csr` and `cross-sign` share: who signs, where the result goes, and how.
#[derive(Debug)]
pub struct Issue {
    /// Issuer.
    pub signer: Signer,
    /// Output PEM: the new certificate followed by the issuing chain up to and including the root.
    pub out: PathBuf,
    /// Validity in days.
    pub days: u32,
    /// pathLenConstraint of a new CA certificate (None: unlimited; ignored for leaves).
    pub path_len: Option<u8>,
    /// Replace an existing output.
    pub force: bool,
    /// Shorten the validity to the issuer's instead of refusing.
    pub truncate_validity: bool,
    /// Extra extensions (CRL/AIA URLs, policies; name constraints only on CA certificates).
    pub extensions: Extensions,
}

/// `sign-csr`.
#[derive(Debug)]
pub struct SignCsrOptions {
    /// The CSR file (PEM or DER).
    pub csr: PathBuf,
    /// What to issue.
    pub profile: Profile,
    /// Issuer, output and validity.
    pub issue: Issue,
}

/// Signs a CSR under a fixed profile.
pub fn sign_csr(opts: &SignCsrOptions) -> Result<Outcome> {
    let out_dir = fsio::parent_dir(&opts.issue.out);
    let mut recovered = recover(&[&opts.issue.signer.ca, out_dir])?;
    let bytes = std::fs::read(&opts.csr)
        .map_err(Error::io(format!("reading CSR {}", opts.csr.display())))?;
    let checked = csr::check(&bytes, &opts.csr, opts.profile)?;
    let issuer_dir = CaDir::open(&opts.issue.signer.ca)?;
    let issuer_info = issuer_dir.info()?;
    let is_ca = opts.profile == Profile::Intermediate;
    if is_ca {
        lint::check_path_len(&issuer_info, &checked.subject_text, opts.issue.path_len)?;
    } else {
        if opts.issue.extensions.constraints.is_some() {
            return Err(Error::Invalid(format!(
                "name constraints belong on a CA certificate; the {} profile cannot carry them",
                opts.profile
            )));
        }
        let cn = checked.subject.iter().find_map(|(t, v)| match (t, v) {
            (DnType::CommonName, rcgen::DnValue::Utf8String(s)) => Some(s.clone()),
            (DnType::CommonName, rcgen::DnValue::PrintableString(s)) => Some(s.as_str().to_owned()),
            _ => None,
        });
        let names = extensions::leaf_names(&checked.sans, cn.as_deref());
        check_against_issuer(&issuer_dir, &names).map_err(|reason| Error::CsrRefused {
            path: opts.csr.clone(),
            reason,
        })?;
    }
    let (not_before, mut not_after) = validity(opts.issue.days)?;
    let mut warnings = checked.ignored.clone();
    warnings.append(&mut recovered);
    warnings.extend(lint::fit_validity(
        &issuer_info,
        &checked.subject_text,
        &mut not_after,
        opts.issue.truncate_validity,
    )?);
    fsio::ensure_absent([opts.issue.out.as_path()], opts.issue.force)?;

    let issuer_key = opts.issue.signer.key(&issuer_dir)?;
    let der = issue_from_csr_with(
        &checked,
        opts.profile,
        &issuer_dir.cert_der,
        &issuer_key,
        (not_before, not_after),
        opts.issue.path_len,
        &opts.issue.extensions,
    )?;
    let above = issuer_dir.self_and_chain();
    verify::chain(&der, &above, issuer_dir.root_der())?;

    let mut entry = LogEntry::new("sign-csr");
    entry
        .details
        .insert("profile".into(), opts.profile.to_string().into());
    entry
        .details
        .insert("csr".into(), opts.csr.display().to_string().into());
    entry.details.insert(
        "csr_sha256".into(),
        record::hex(&openssl::sha::sha256(&bytes)).into(),
    );
    entry.details.extend(warning_details(&warnings));
    let summary = deliver(
        &issuer_dir,
        &der,
        &opts.issue.out,
        opts.issue.force,
        expect_for(opts.profile, opts.issue.path_len),
        entry,
    )?;
    Ok(Outcome {
        certificates: vec![summary],
        files: vec![opts.issue.out.clone()],
        warnings,
    })
}

/// Writes a certificate signed by `issuer` to `out` (followed by the issuer's chain up to and
/// including the root) and records it in the issuer's state and log, in one transaction whose
/// journal is in the issuer's directory: an issuer directory that cannot be written stops the
/// command before the certificate is placed, and a crash leaves the certificate recorded and
/// written, or neither. What lands is verified with OpenSSL and linted again.
fn deliver(
    issuer: &CaDir,
    der: &[u8],
    out: &Path,
    force: bool,
    expect: Expect,
    mut entry: LogEntry,
) -> Result<CertSummary> {
    let mut bundle = vec![der.to_vec()];
    bundle.extend(issuer.self_and_chain());
    let pem = ca::pem_of(&bundle);
    let summary = CertSummary::from_der(der)?;
    entry.file(out, pem.as_bytes());
    entry.certificates.push(summary.clone());
    let command = entry.command.clone();
    let mut tx = Transaction::new(&command, &issuer.dir, force);
    tx.create(out, pem.into_bytes(), MODE_PUBLIC);
    record_issued(&mut tx, issuer, &summary, &command, &entry)?;
    tx.commit(|| {
        let written = ca::read_certs(out)?;
        let leaf = written
            .first()
            .ok_or_else(|| Error::Verify(format!("{} holds no certificate", out.display())))?;
        verify::chain(leaf, &written[1..], issuer.root_der())?;
        lint::check_built(leaf, expect).map(drop)
    })?;
    Ok(summary)
}

/// The signing step of `sign-csr` on its own (no files): builds the certificate the profile
/// allows for an already checked CSR, signs it with `issuer_key`, and lints the result. Public so
/// the fuzz target exercises exactly this policy.
pub fn issue_from_csr<K: rcgen::SigningKey>(
    checked: &csr::CheckedCsr,
    profile: Profile,
    issuer_cert_der: &[u8],
    issuer_key: &K,
    (not_before, not_after): (OffsetDateTime, OffsetDateTime),
    path_len: Option<u8>,
) -> Result<Vec<u8>> {
    issue_from_csr_with(
        checked,
        profile,
        issuer_cert_der,
        issuer_key,
        (not_before, not_after),
        path_len,
        &Extensions::default(),
    )
}

/// [`issue_from_csr`] with extra extensions (URLs, policies, name constraints).
pub fn issue_from_csr_with<K: rcgen::SigningKey>(
    checked: &csr::CheckedCsr,
    profile: Profile,
    issuer_cert_der: &[u8],
    issuer_key: &K,
    (not_before, not_after): (OffsetDateTime, OffsetDateTime),
    path_len: Option<u8>,
    extensions: &Extensions,
) -> Result<Vec<u8>> {
    let issuer = rcgen::Issuer::from_ca_cert_der(&issuer_cert_der.to_vec().into(), issuer_key)
        .map_err(Error::rcgen("reading the issuer certificate"))?;
    let public_key = rcgen::SubjectPublicKeyInfo::from_der(&checked.spki_der)
        .map_err(Error::rcgen("reading the CSR's public key"))?;
    let is_ca = profile == Profile::Intermediate;
    let mut params = if is_ca {
        ca_params(checked.subject.clone(), path_len, not_before, not_after)?
    } else {
        leaf_params(
            checked.subject.clone(),
            checked.sans.clone(),
            profile,
            checked.is_rsa,
            not_before,
            not_after,
        )?
    };
    extensions.apply(&mut params);
    let cert = params
        .signed_by(&public_key, &issuer)
        .map_err(Error::rcgen("signing the CSR"))?;
    let der = cert.der().to_vec();
    lint::check_built(&der, expect_for(profile, path_len))?;
    Ok(der)
}

/// What a certificate signed under `profile` must look like.
fn expect_for(profile: Profile, path_len: Option<u8>) -> Expect {
    match profile {
        Profile::Intermediate => Expect::Ca(path_len),
        Profile::Server | Profile::Client => Expect::Leaf,
    }
}

/// `cross-sign`.
#[derive(Debug)]
pub struct CrossSignOptions {
    /// The existing CA certificate (PEM or DER; the first certificate in the file).
    pub cert: PathBuf,
    /// Issuer, output (the cross-certificate, then the issuing chain) and validity.
    pub issue: Issue,
}

/// Cross-signs an existing CA: a new CA certificate, issued by this CA, with the existing
/// certificate's subject (same attributes and string types) and public key, and its subject key
/// identifier, so certificates the existing CA issued chain through either. The existing CA's
/// key is not needed.
pub fn cross_sign(opts: &CrossSignOptions) -> Result<Outcome> {
    use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};
    let out_dir = fsio::parent_dir(&opts.issue.out);
    let mut warnings = recover(&[&opts.issue.signer.ca, out_dir])?;
    let existing = ca::read_certs(&opts.cert)?;
    let der = existing
        .first()
        .ok_or_else(|| Error::Invalid(format!("{} holds no certificate", opts.cert.display())))?;
    let refused = |why: String| {
        Error::Invalid(format!(
            "refusing to cross-sign {}: {why}",
            opts.cert.display()
        ))
    };
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| refused(format!("it does not parse as a certificate: {e}")))?;
    let info = CertInfo::from_der(der)?;
    if !info.is_ca || !info.key_cert_sign {
        return Err(refused(
            "it is not a CA certificate (basicConstraints CA:TRUE with keyCertSign)".into(),
        ));
    }
    let ski = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
        .ok_or_else(|| refused("it has no subjectKeyIdentifier to keep".into()))?;
    let subject = subject_as_encoded(cert.subject()).map_err(refused)?;
    let spki = cert.public_key().raw.to_vec();

    let issuer_dir = CaDir::open(&opts.issue.signer.ca)?;
    let issuer_info = issuer_dir.info()?;
    if issuer_dir.cert_der.as_slice() == der.as_slice() || ski == ski_of(&issuer_dir.cert_der)? {
        return Err(refused("it is the issuing CA itself".into()));
    }
    lint::check_path_len(&issuer_info, &info.subject, opts.issue.path_len)?;
    let (not_before, mut not_after) = validity(opts.issue.days)?;
    warnings.extend(lint::fit_validity(
        &issuer_info,
        &info.subject,
        &mut not_after,
        opts.issue.truncate_validity,
    )?);
    fsio::ensure_absent([opts.issue.out.as_path()], opts.issue.force)?;

    let issuer_key = opts.issue.signer.key(&issuer_dir)?;
    let issuer = issuer_dir.issuer(&issuer_key)?;
    let public_key = rcgen::SubjectPublicKeyInfo::from_der(&spki)
        .map_err(Error::rcgen("reading the existing CA's public key"))?;
    let mut params = ca_params(subject, opts.issue.path_len, not_before, not_after)?;
    params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(ski.clone());
    opts.issue.extensions.apply(&mut params);
    let built = params
        .signed_by(&public_key, &issuer)
        .map_err(Error::rcgen("signing the cross-certificate"))?;
    let new_der = built.der().to_vec();
    lint::check_built(&new_der, Expect::Ca(opts.issue.path_len))?;
    let (_, new_cert) = X509Certificate::from_der(&new_der)
        .map_err(|e| Error::Verify(format!("the cross-certificate does not parse: {e}")))?;
    if new_cert.subject().as_raw() != cert.subject().as_raw()
        || ski_of(&new_der)? != ski
        || new_cert.public_key().raw != spki.as_slice()
    {
        return Err(Error::Verify(
            "the cross-certificate does not keep the existing subject, key and key identifier"
                .into(),
        ));
    }
    let above = issuer_dir.self_and_chain();
    verify::chain(&new_der, &above, issuer_dir.root_der())?;

    let mut entry = LogEntry::new("cross-sign");
    entry.details.insert(
        "cross_signed_sha256".into(),
        CertSummary::from_der(der)?.sha256_fingerprint.into(),
    );
    entry.details.extend(warning_details(&warnings));
    let summary = deliver(
        &issuer_dir,
        &new_der,
        &opts.issue.out,
        opts.issue.force,
        Expect::Ca(opts.issue.path_len),
        entry,
    )?;
    Ok(Outcome {
        certificates: vec![summary],
        files: vec![opts.issue.out.clone()],
        warnings,
    })
}

/// An existing subject as rcgen values with the same attribute types and string types, so the
/// re-encoded name is byte-for-byte the original.
fn subject_as_encoded(
    name: &x509_parser::x509::X509Name<'_>,
) -> std::result::Result<DistinguishedName, String> {
    use rcgen::DnValue;
    use x509_parser::der_parser::asn1_rs::Tag;
    let mut dn = DistinguishedName::new();
    for rdn in name.iter() {
        if rdn.iter().count() != 1 {
            return Err("its subject has a multi-valued RDN, which cannot be kept exactly".into());
        }
        for attr in rdn.iter() {
            let oid: Vec<u64> = attr
                .attr_type()
                .iter()
                .ok_or_else(|| "its subject has an attribute type that is too large".to_string())?
                .collect();
            let ty = DnType::from_oid(&oid);
            let text = attr
                .as_str()
                .map_err(|_| "its subject has a value that is not a string".to_string())?
                .to_owned();
            let value = match attr.attr_value().tag() {
                Tag::PrintableString => DnValue::PrintableString(
                    text.try_into()
                        .map_err(|_| "its subject has an invalid PrintableString".to_string())?,
                ),
                Tag::Ia5String => DnValue::Ia5String(
                    text.try_into()
                        .map_err(|_| "its subject has an invalid IA5String".to_string())?,
                ),
                Tag::Utf8String => DnValue::Utf8String(text),
                other => {
                    return Err(format!(
                        "its subject uses string type {other:?}, which cannot be kept exactly"
                    ));
                }
            };
            dn.push(ty, value);
        }
    }
    Ok(dn)
}

/// `crl`.
#[derive(Debug)]
pub struct CrlOptions {
    /// The CA.
    pub signer: Signer,
    /// Serials to revoke now, with their reasons.
    pub revoke: Vec<(String, crate::crl::Reason)>,
    /// How long until the next CRL is due.
    pub next_update: time::Duration,
}

/// Writes the CA's CRL (`crl.pem`, and `crl-<number>.pem` kept for the record).
pub fn crl(opts: &CrlOptions) -> Result<(Outcome, u64)> {
    let mut warnings = recover(&[&opts.signer.ca])?;
    let dir = CaDir::open(&opts.signer.ca)?;
    let info = dir.info()?;
    let mut state = dir.state()?;
    let now = now_seconds()?;
    let now_text = record::now_rfc3339();
    let mut newly = Vec::new();
    for (serial, reason) in &opts.revoke {
        let serial = crate::crl::normalise_serial(serial)?;
        if state.revoked.iter().any(|r| r.serial == serial) {
            warnings.push(format!("serial {serial} was already revoked"));
            continue;
        }
        if !state.issued.iter().any(|i| i.serial == serial) {
            warnings.push(format!(
                "serial {serial} is not in this CA's record of issued certificates"
            ));
        }
        newly.push(serial.clone());
        state.revoked.push(Revoked {
            serial,
            reason: reason.to_string(),
            time: now_text.clone(),
        });
    }
    let mut next_update = now + opts.next_update;
    if next_update > info.not_after {
        warnings.push(format!(
            "next update moved to the end of the CA's validity ({})",
            lint::date(info.not_after)
        ));
        next_update = info.not_after;
    }
    let key = opts.signer.key(&dir)?;
    let issuer = dir.issuer(&key)?;
    state.crl_number += 1;
    let ski = ski_of(&dir.cert_der)?;
    let params = crate::crl::params(&state, now, next_update, ski)?;
    let crl = params
        .signed_by(&issuer)
        .map_err(Error::rcgen("signing the CRL"))?;
    lint::check_crl(crl.der())?;
    let pem = crl.pem().map_err(Error::rcgen("encoding the CRL"))?;
    verify::crl(pem.as_bytes(), &dir.cert_der)?;

    // The state (with the number), the numbered CRL, the latest CRL and the record change
    // together: a crash leaves the CRL published and recorded, or neither.
    let state_bytes = ca::state_bytes(&state)?;
    let numbered = dir.dir.join(format!("crl-{:04}.pem", state.crl_number));
    let latest = dir.dir.join(ca::CRL_FILE);
    let mut tx = Transaction::new("crl", &dir.dir, false);
    tx.replace(
        &dir.dir.join(ca::STATE_FILE),
        state_bytes.clone(),
        MODE_SECRET,
    );
    tx.create(&numbered, pem.clone().into_bytes(), MODE_PUBLIC);
    tx.replace(&latest, pem.clone().into_bytes(), MODE_PUBLIC);

    let mut entry = LogEntry::new("crl");
    entry
        .details
        .insert("crl_number".into(), state.crl_number.into());
    entry
        .details
        .insert("revoked_now".into(), newly.clone().into());
    entry
        .details
        .insert("revoked_total".into(), state.revoked.len().into());
    entry.details.extend(warning_details(&warnings));
    entry.file(&dir.dir.join(ca::STATE_FILE), &state_bytes);
    entry.file(&numbered, pem.as_bytes());
    entry.file(&latest, pem.as_bytes());
    record::stage(&mut tx, &dir.dir, &entry)?;
    tx.commit(|| {
        let on_disk =
            std::fs::read(&latest).map_err(Error::io(format!("reading {}", latest.display())))?;
        verify::crl(&on_disk, &dir.cert_der)?;
        let on_disk_der = openssl::x509::X509Crl::from_pem(&on_disk)
            .and_then(|c| c.to_der())
            .map_err(Error::ssl(format!("reading {}", latest.display())))?;
        lint::check_crl(&on_disk_der)
    })?;
    Ok((
        Outcome {
            certificates: Vec::new(),
            files: vec![numbered, latest],
            warnings,
        },
        state.crl_number,
    ))
}

// ---- helpers -------------------------------------------------------------------------------

fn ca_files(out: &Path, protection: &KeyProtection) -> [PathBuf; 3] {
    let key = match protection {
        KeyProtection::Hsm { .. } => ca::KEY_URI_FILE,
        _ => ca::KEY_FILE,
    };
    [
        out.join(ca::CERT_FILE),
        out.join(key),
        out.join(ca::STATE_FILE),
    ]
}

/// The contents of a CA directory's key file: name, bytes, mode.
type KeyFile = (&'static str, zeroize::Zeroizing<Vec<u8>>, u32);

/// Generates a new CA key as `protection` says: in memory (then written encrypted or, when
/// explicitly asked, plaintext) or on a token (then only its URI is written).
fn new_ca_key(kind: KeyType, protection: &KeyProtection) -> Result<(CaKey, KeyFile)> {
    if let KeyProtection::Hsm { uri, module, pin } = protection {
        let key = HsmKey::generate(uri, module, pin, kind)?;
        let line = format!("{}\n", uri.with_module(module));
        return Ok((
            CaKey::Hsm(key),
            (
                ca::KEY_URI_FILE,
                zeroize::Zeroizing::new(line.into_bytes()),
                MODE_PUBLIC,
            ),
        ));
    }
    let key = PrivateKey::generate(kind)?;
    let bytes = protect(&key, protection)?;
    Ok((
        CaKey::Soft(key.key_pair()?),
        (ca::KEY_FILE, bytes, MODE_SECRET),
    ))
}

fn now_seconds() -> Result<OffsetDateTime> {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .map_err(|e| Error::Invalid(format!("clock: {e}")))
}

/// How far `notBefore` is set back from now: a relying party (or this tool's own verification
/// right after signing) whose clock is a little behind must not see a brand-new certificate as
/// "not yet valid". The fuzz target found exactly that failure with `notBefore = now`.
pub const BACKDATE: time::Duration = time::Duration::minutes(5);

/// Validity from now (backdated by [`BACKDATE`]) for `days`.
pub fn validity(days: u32) -> Result<(OffsetDateTime, OffsetDateTime)> {
    if days == 0 {
        return Err(Error::Invalid("--days must be at least 1".into()));
    }
    let now = now_seconds()?;
    Ok((now - BACKDATE, now + time::Duration::days(i64::from(days))))
}

fn ca_params(
    subject: DistinguishedName,
    path_len: Option<u8>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<CertificateParams> {
    let mut p = CertificateParams::default();
    p.distinguished_name = subject;
    p.is_ca = IsCa::Ca(match path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = not_before;
    p.not_after = not_after;
    p.serial_number = Some(lint::random_serial()?);
    p.use_authority_key_identifier_extension = true;
    Ok(p)
}

fn leaf_params(
    subject: DistinguishedName,
    sans: Vec<SanType>,
    profile: Profile,
    is_rsa: bool,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<CertificateParams> {
    let mut p = CertificateParams::default();
    p.distinguished_name = subject;
    if p.distinguished_name.get(&DnType::CommonName).is_none()
        && p.distinguished_name.iter().next().is_none()
        && sans.is_empty()
    {
        return Err(Error::Invalid(
            "a certificate needs a subject or a subjectAltName".into(),
        ));
    }
    p.subject_alt_names = sans;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    if is_rsa && profile == Profile::Server {
        p.key_usages.push(KeyUsagePurpose::KeyEncipherment);
    }
    p.extended_key_usages = match profile {
        Profile::Server => vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ],
        _ => vec![ExtendedKeyUsagePurpose::ClientAuth],
    };
    p.not_before = not_before;
    p.not_after = not_after;
    p.serial_number = Some(lint::random_serial()?);
    p.use_authority_key_identifier_extension = true;
    Ok(p)
}

fn protect(key: &PrivateKey, protection: &KeyProtection) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    match protection {
        KeyProtection::Encrypted {
            passphrase,
            iterations,
        } => Ok(zeroize::Zeroizing::new(
            key.to_encrypted_pem(passphrase, *iterations)?,
        )),
        KeyProtection::Plaintext => key.to_plain_pem(),
        KeyProtection::Hsm { .. } => Err(Error::Invalid(
            "a token key is never written to a file".into(),
        )),
    }
}

fn plaintext_warning(protection: &KeyProtection, out: &Path) -> Vec<String> {
    match protection {
        KeyProtection::Plaintext => vec![format!(
            "{} is NOT encrypted (--no-encrypt --insecure); anyone who copies it can sign as this CA",
            out.join(ca::KEY_FILE).display()
        )],
        KeyProtection::Encrypted { .. } | KeyProtection::Hsm { .. } => Vec::new(),
    }
}

fn stage_ca_dir(
    tx: &mut Transaction,
    out: &Path,
    cert_der: &[u8],
    (key_name, key_bytes, key_mode): &KeyFile,
    chain: Option<&[Vec<u8>]>,
    state: &State,
    entry: &mut LogEntry,
) -> Result<()> {
    let cert_pem = ca::pem_block("CERTIFICATE", cert_der);
    let state_bytes = ca::state_bytes(state)?;
    let key_path = out.join(key_name);
    tx.create(&key_path, key_bytes.to_vec(), *key_mode);
    entry.file(&key_path, key_bytes);
    let mut outputs = vec![
        (ca::CERT_FILE, cert_pem.into_bytes(), MODE_PUBLIC),
        (ca::STATE_FILE, state_bytes, MODE_SECRET),
    ];
    if let Some(chain) = chain {
        outputs.push((ca::CHAIN_FILE, ca::pem_of(chain).into_bytes(), MODE_PUBLIC));
    }
    for (name, contents, mode) in outputs {
        let path = out.join(name);
        entry.file(&path, &contents);
        tx.create(&path, contents, mode);
    }
    Ok(())
}

/// Re-reads the CA directory just written: the certificate passes the lints again, the key
/// decrypts (through OpenSSL) and matches, and the chain verifies.
fn check_ca_dir_on_disk(
    out: &Path,
    protection: &KeyProtection,
    path_len: Option<u8>,
) -> Result<()> {
    let dir = CaDir::open(out)?;
    lint::check_built(&dir.cert_der, Expect::Ca(path_len))?;
    match protection {
        KeyProtection::Encrypted { passphrase, .. } => drop(dir.load_key(Some(passphrase))?),
        KeyProtection::Plaintext => drop(dir.load_key(None)?),
        // The token key is still open in this process; its public key is the certificate's by
        // construction, and `verify` re-checks the pair from a fresh session.
        KeyProtection::Hsm { .. } => {}
    }
    verify::chain(&dir.cert_der, &dir.chain_der, dir.root_der())?;
    verify::ca_extensions(&dir.cert_der)
}

/// Stages the new certificate in the issuer's `state.json` and log.
fn record_issued(
    tx: &mut Transaction,
    issuer: &CaDir,
    summary: &CertSummary,
    command: &str,
    entry: &LogEntry,
) -> Result<()> {
    let mut state = issuer.state()?;
    state.issued.push(Issued {
        serial: summary.serial.clone(),
        subject: summary.subject.clone(),
        not_after: summary.not_after.clone(),
        command: command.to_owned(),
    });
    let bytes = ca::state_bytes(&state)?;
    let path = issuer.dir.join(ca::STATE_FILE);
    let mut issuer_entry = LogEntry::new(command);
    issuer_entry.certificates = entry.certificates.clone();
    issuer_entry.files = entry.files.clone();
    issuer_entry.details = entry.details.clone();
    issuer_entry.file(&path, &bytes);
    tx.replace(&path, bytes, MODE_SECRET);
    record::stage(tx, &issuer.dir, &issuer_entry)
}

/// Refuses `names` that fall outside the name constraints of the issuer or any CA above it.
fn check_against_issuer(issuer: &CaDir, names: &[Name]) -> Result<(), String> {
    let chain = issuer.self_and_chain();
    let refs: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    let constraints = extensions::constraints_of(&refs).map_err(|e| e.to_string())?;
    extensions::check_names(names, &constraints)
}

/// Finishes what interrupted commands left in `dirs` (see [`crate::journal`]); the sentences
/// saying what was done become warnings of this command.
pub fn recover(dirs: &[&Path]) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    for d in dirs {
        notes.extend(journal::recover(d)?);
    }
    Ok(notes)
}

fn warning_details(
    warnings: &[String],
) -> impl Iterator<Item = (String, serde_json::Value)> + use<> {
    let w: Vec<serde_json::Value> = warnings.iter().map(|s| s.clone().into()).collect();
    (!w.is_empty())
        .then(|| ("warnings".to_string(), serde_json::Value::Array(w)))
        .into_iter()
}

fn ski_of(der: &[u8]) -> Result<Vec<u8>> {
    use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| Error::Invalid(format!("cannot parse the CA certificate: {e}")))?;
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
        .ok_or_else(|| Error::Invalid("the CA certificate has no subjectKeyIdentifier".into()))
}

/// Facts about a CA directory's certificate without opening its key (for dry runs).
pub fn peek_ca(dir: &Path) -> Result<CertInfo> {
    CaDir::open(dir)?.info()
}

#[cfg(test)]
mod tests;
