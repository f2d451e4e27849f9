//! `ceremony`: a whole hierarchy from one reviewed TOML file. The file is validated completely
//! (names, issuers, subjects, key types, path lengths, validity nesting, existing outputs) before
//! the first key is generated, `--dry-run` prints exactly what would be created, and a real run
//! executes the steps in file order through the same operations as the single commands.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::csr::Profile;
use crate::defaults::{INTERMEDIATE_DAYS, LEAF_DAYS, ROOT_DAYS};
use crate::extensions::{ExtensionSpec, Extensions, NameConstraints};
use crate::fsio::{self, MODE_PUBLIC};
use crate::hsm::KeyUri;
use crate::journal::Transaction;
use crate::keys::KeyType;
use crate::ops::{self, KeyProtection, Outcome, Signer};
use crate::record::{self, LogEntry};
use crate::secret::Passphrase;
use crate::{Error, Result, dn};

/// The ceremony file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Shorten children to their issuer's validity instead of refusing.
    #[serde(default)]
    pub truncate_validity: bool,
    /// The PKCS#11 module for CAs with a `key_uri` (`--pkcs11-module` overrides it).
    pub pkcs11_module: Option<PathBuf>,
    /// CAs, in creation order; the first without `issuer` is a root.
    #[serde(default, rename = "ca")]
    pub cas: Vec<CaSpec>,
    /// Listener certificates.
    #[serde(default, rename = "server")]
    pub servers: Vec<ServerSpec>,
    /// CSRs to sign.
    #[serde(default, rename = "csr")]
    pub csrs: Vec<CsrSpec>,
}

/// One CA.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaSpec {
    /// Directory name under `--out`, and how other entries refer to it.
    pub name: String,
    /// Subject DN.
    pub subject: String,
    /// Issuer name (absent: self-signed root).
    pub issuer: Option<String>,
    /// Key type (default p384).
    pub key_type: Option<KeyType>,
    /// Validity in days.
    pub days: Option<u32>,
    /// pathLenConstraint (absent: none for a root, 0 for an intermediate unless `unlimited`).
    pub path_len: Option<u8>,
    /// Generate the key on a PKCS#11 token: `pkcs11:token=LABEL;object=LABEL` (p256/p384).
    pub key_uri: Option<String>,
    /// CRL/AIA URLs, policies, name constraints (intermediates only).
    #[serde(default)]
    pub extensions: ExtensionSpec,
}

/// One listener certificate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSpec {
    /// Directory name under `--out`.
    pub name: String,
    /// Issuing CA name.
    pub issuer: String,
    /// DNS SANs.
    #[serde(default)]
    pub dns: Vec<String>,
    /// IP SANs.
    #[serde(default)]
    pub ip: Vec<IpAddr>,
    /// Subject (default CN = first DNS name or IP).
    pub subject: Option<String>,
    /// Key type (default p256).
    pub key_type: Option<KeyType>,
    /// Validity in days.
    pub days: Option<u32>,
    /// CRL/AIA URLs, policies.
    #[serde(default)]
    pub extensions: ExtensionSpec,
}

/// One CSR to sign.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsrSpec {
    /// The CSR file, relative to the ceremony file.
    pub csr: PathBuf,
    /// Issuing CA name.
    pub issuer: String,
    /// Profile.
    pub profile: Profile,
    /// Output file, relative to `--out`.
    pub out: PathBuf,
    /// Validity in days.
    pub days: Option<u32>,
    /// pathLenConstraint for the intermediate profile (default 0).
    pub path_len: Option<u8>,
    /// CRL/AIA URLs, policies, name constraints (intermediate profile only).
    #[serde(default)]
    pub extensions: ExtensionSpec,
}

/// Reads and parses a ceremony file.
pub fn load(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path).map_err(Error::io(format!(
        "reading ceremony file {}",
        path.display()
    )))?;
    toml::from_str(&text)
        .map_err(|e| Error::Invalid(format!("ceremony file {}: {e}", path.display())))
}

/// One step of the plan, with its resolved settings.
#[derive(Debug)]
pub enum Step {
    /// A CA.
    Ca {
        /// Spec index.
        index: usize,
        /// Output directory.
        dir: PathBuf,
        /// Issuer directory.
        issuer: Option<PathBuf>,
        /// Key type.
        key_type: KeyType,
        /// Days.
        days: u32,
        /// Path length.
        path_len: Option<u8>,
        /// Extra extensions.
        extensions: Extensions,
        /// The key's place on a token, when it is generated there.
        key_uri: Option<KeyUri>,
    },
    /// A server certificate.
    Server {
        /// Spec index.
        index: usize,
        /// Output directory.
        dir: PathBuf,
        /// Issuer directory.
        issuer: PathBuf,
        /// Key type.
        key_type: KeyType,
        /// Days.
        days: u32,
        /// Extra extensions.
        extensions: Extensions,
    },
    /// A CSR.
    Csr {
        /// Spec index.
        index: usize,
        /// CSR path.
        csr: PathBuf,
        /// Output path.
        out: PathBuf,
        /// Issuer directory.
        issuer: PathBuf,
        /// Days.
        days: u32,
        /// Path length.
        path_len: Option<u8>,
        /// Extra extensions.
        extensions: Extensions,
    },
}

/// A validated plan.
#[derive(Debug)]
pub struct Plan {
    /// Steps in execution order.
    pub steps: Vec<Step>,
    /// Every file the run will create.
    pub files: Vec<PathBuf>,
}

/// Validates `config` against `out` and resolves every default. Nothing is written.
pub fn plan(config: &Config, config_path: &Path, out: &Path, force: bool) -> Result<Plan> {
    let bad =
        |msg: String| Error::Invalid(format!("ceremony file {}: {msg}", config_path.display()));
    // name -> (dir, days, path_len, subject)
    let mut cas: BTreeMap<&str, (PathBuf, u32, Option<u8>, &str)> = BTreeMap::new();
    // name -> the name constraints of that CA and every CA above it
    let mut constraints: BTreeMap<&str, Vec<NameConstraints>> = BTreeMap::new();
    let mut steps = Vec::new();
    let mut files = Vec::new();
    let base = config_path.parent().unwrap_or(Path::new("."));
    if config.cas.is_empty() {
        return Err(bad("it defines no [[ca]]".into()));
    }
    let check_name = |name: &str| -> Result<()> {
        let ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(())
        } else {
            Err(bad(format!(
                "name `{name}` must be letters, digits, - or _"
            )))
        }
    };
    let mut dirs_used: Vec<String> = Vec::new();
    let mut token_cas: Vec<&str> = Vec::new();
    for (index, ca) in config.cas.iter().enumerate() {
        check_name(&ca.name)?;
        if dirs_used.contains(&ca.name) {
            return Err(bad(format!("name `{}` is used twice", ca.name)));
        }
        dirs_used.push(ca.name.clone());
        dn::parse(&ca.subject)?;
        let dir = out.join(&ca.name);
        let key_type = ca.key_type.unwrap_or(KeyType::P384);
        let (issuer, days, path_len) = match &ca.issuer {
            None => (None, ca.days.unwrap_or(ROOT_DAYS), ca.path_len),
            Some(iname) => {
                let Some((idir, idays, ipath, isubject)) = cas.get(iname.as_str()) else {
                    return Err(bad(format!(
                        "CA `{}` names issuer `{iname}`, which is not a CA defined above it",
                        ca.name
                    )));
                };
                let days = ca.days.unwrap_or(INTERMEDIATE_DAYS);
                let path_len = Some(ca.path_len.unwrap_or(0));
                fits_path(isubject, *ipath, &ca.subject, path_len)?;
                fits_days(
                    isubject,
                    *idays,
                    &ca.subject,
                    days,
                    config.truncate_validity,
                )?;
                (Some(idir.clone()), days, path_len)
            }
        };
        let key_uri = ca
            .key_uri
            .as_deref()
            .map(|u| token_key(config, ca, u, &token_cas))
            .transpose()
            .map_err(|e| bad(e.to_string()))?;
        if key_uri.is_some() {
            token_cas.push(ca.name.as_str());
        }
        let key_file = if key_uri.is_some() {
            crate::ca::KEY_URI_FILE
        } else {
            crate::ca::KEY_FILE
        };
        for f in [crate::ca::CERT_FILE, key_file, crate::ca::STATE_FILE] {
            files.push(dir.join(f));
        }
        if issuer.is_some() {
            files.push(dir.join(crate::ca::CHAIN_FILE));
        }
        let extensions = ca
            .extensions
            .check(&format!("CA `{}`", ca.name), ca.issuer.is_some())
            .map_err(|e| bad(e.to_string()))?;
        let mut chain = ca
            .issuer
            .as_deref()
            .and_then(|i| constraints.get(i))
            .cloned()
            .unwrap_or_default();
        chain.extend(extensions.constraints.clone());
        constraints.insert(&ca.name, chain);
        cas.insert(&ca.name, (dir.clone(), days, path_len, &ca.subject));
        steps.push(Step::Ca {
            index,
            dir,
            issuer,
            key_type,
            days,
            path_len,
            extensions,
            key_uri,
        });
    }
    for (index, s) in config.servers.iter().enumerate() {
        check_name(&s.name)?;
        if dirs_used.contains(&s.name) {
            return Err(bad(format!("name `{}` is used twice", s.name)));
        }
        dirs_used.push(s.name.clone());
        let Some((idir, idays, _, isubject)) = cas.get(s.issuer.as_str()) else {
            return Err(bad(format!(
                "server `{}` names unknown issuer `{}`",
                s.name, s.issuer
            )));
        };
        if s.dns.is_empty() && s.ip.is_empty() {
            return Err(bad(format!("server `{}` needs dns or ip names", s.name)));
        }
        for d in &s.dns {
            crate::csr::check_dns_name(d).map_err(bad)?;
        }
        if let Some(subject) = &s.subject {
            dn::parse(subject)?;
        }
        let extensions = s
            .extensions
            .check(&format!("server `{}`", s.name), false)
            .map_err(|e| bad(e.to_string()))?;
        let names = crate::extensions::server_names(&s.dns, &s.ip);
        let above = constraints
            .get(s.issuer.as_str())
            .cloned()
            .unwrap_or_default();
        crate::extensions::check_names(&names, &above)
            .map_err(|e| bad(format!("server `{}`: {e}", s.name)))?;
        let days = s.days.unwrap_or(LEAF_DAYS);
        fits_days(isubject, *idays, &s.name, days, config.truncate_validity)?;
        let dir = out.join(&s.name);
        files.extend(ops::SERVER_FILES.iter().map(|f| dir.join(f)));
        steps.push(Step::Server {
            index,
            dir,
            issuer: idir.clone(),
            key_type: s.key_type.unwrap_or(KeyType::P256),
            days,
            extensions,
        });
    }
    for (index, c) in config.csrs.iter().enumerate() {
        let Some((idir, idays, ipath, isubject)) = cas.get(c.issuer.as_str()) else {
            return Err(bad(format!(
                "csr `{}` names unknown issuer `{}`",
                c.csr.display(),
                c.issuer
            )));
        };
        let csr = base.join(&c.csr);
        if !csr.is_file() {
            return Err(bad(format!("CSR file {} does not exist", csr.display())));
        }
        let days = c.days.unwrap_or(c.profile.default_days());
        fits_days(
            isubject,
            *idays,
            &c.csr.display().to_string(),
            days,
            config.truncate_validity,
        )?;
        let path_len = match c.profile {
            Profile::Intermediate => {
                let p = Some(c.path_len.unwrap_or(0));
                fits_path(isubject, *ipath, &c.csr.display().to_string(), p)?;
                p
            }
            _ => None,
        };
        if !stays_inside(&c.out) {
            return Err(bad(format!(
                "csr `{}` has out = \"{}\", which leaves --out; use a relative path below it \
                 (no `..`, no leading `/`)",
                c.csr.display(),
                c.out.display()
            )));
        }
        let out_file = out.join(&c.out);
        if files.contains(&out_file) {
            return Err(bad(format!(
                "out = \"{}\" is written twice",
                c.out.display()
            )));
        }
        let extensions = c
            .extensions
            .check(
                &format!("csr `{}`", c.csr.display()),
                c.profile == Profile::Intermediate,
            )
            .map_err(|e| bad(e.to_string()))?;
        files.push(out_file.clone());
        steps.push(Step::Csr {
            index,
            csr,
            out: out_file,
            issuer: idir.clone(),
            days,
            path_len,
            extensions,
        });
    }
    fsio::ensure_absent(files.iter().map(PathBuf::as_path), force)?;
    Ok(Plan { steps, files })
}

/// Checks a `[[ca]]`'s `key_uri`: a module to load it from, an EC key type the token makes, and
/// an issuer whose key is not on a token too (one token session per process).
fn token_key(config: &Config, ca: &CaSpec, uri: &str, token_cas: &[&str]) -> Result<KeyUri> {
    let uri = KeyUri::parse(uri)?;
    let name = &ca.name;
    if config.pkcs11_module.is_none() {
        return Err(Error::Invalid(format!(
            "CA `{name}` has a key_uri but no PKCS#11 module is given: set pkcs11_module in the \
             ceremony file or pass --pkcs11-module"
        )));
    }
    if !matches!(ca.key_type, None | Some(KeyType::P256 | KeyType::P384)) {
        return Err(Error::Invalid(format!(
            "CA `{name}`: a key on a token is p256 or p384"
        )));
    }
    if let Some(issuer) = ca.issuer.as_deref().filter(|i| token_cas.contains(i)) {
        return Err(Error::Invalid(format!(
            "CA `{name}` and its issuer `{issuer}` both have their key on a token, which needs \
             two token sessions in one process (not supported yet): run `{name}` as its own \
             `pki-bootstrap intermediate --key-uri ...` after the ceremony"
        )));
    }
    Ok(uri)
}

/// True for a relative path made only of ordinary names (`a/b.pem`, not `../x`, `/x` or `.`), so
/// joining it to `--out` stays inside `--out`.
fn stays_inside(path: &Path) -> bool {
    use std::path::Component;
    let mut names = 0;
    for c in path.components() {
        match c {
            Component::Normal(_) => names += 1,
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    names > 0
}

fn fits_path(issuer: &str, ipath: Option<u8>, child: &str, cpath: Option<u8>) -> Result<()> {
    let info = crate::lint::CertInfo {
        subject: issuer.to_owned(),
        not_before: time::OffsetDateTime::UNIX_EPOCH,
        not_after: time::OffsetDateTime::UNIX_EPOCH,
        is_ca: true,
        bc_critical: true,
        path_len: ipath.map(u32::from),
        key_cert_sign: true,
        crl_sign: true,
        has_ski: true,
        has_aki: true,
        self_issued: false,
        serial: Vec::new(),
        version: 2,
        name_problem: None,
    };
    crate::lint::check_path_len(&info, child, cpath)
}

fn fits_days(issuer: &str, idays: u32, child: &str, days: u32, truncate: bool) -> Result<()> {
    // Children are created seconds after their issuer, so equal days would still outlive it.
    if days < idays || truncate {
        return Ok(());
    }
    Err(Error::Lint(format!(
        "\"{child}\" ({days} days) would outlive its issuer \"{issuer}\" ({idays} days); \
         lower its days or set truncate_validity = true"
    )))
}

/// Prints the plan as `--dry-run` shows it.
pub fn describe(config: &Config, plan: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Dry run: nothing is written. The ceremony would:");
    for step in &plan.steps {
        match step {
            Step::Ca {
                index,
                dir,
                issuer,
                key_type,
                days,
                path_len,
                extensions,
                key_uri,
            } => {
                let ca = &config.cas[*index];
                let kind = if issuer.is_some() {
                    "intermediate CA"
                } else {
                    "root CA"
                };
                let pl = path_len.map_or("none".to_string(), |p| p.to_string());
                let key_type = match key_uri {
                    Some(u) => format!("{key_type} on token \"{}\" as \"{}\"", u.token, u.object),
                    None => key_type.to_string(),
                };
                let _ = writeln!(
                    s,
                    "- create {kind} \"{}\" in {} ({key_type}, {days} days, pathlen {pl}{}{})",
                    ca.subject,
                    dir.display(),
                    issuer
                        .as_ref()
                        .map_or(String::new(), |i| format!(", signed by {}", i.display())),
                    extensions.summary()
                );
            }
            Step::Server {
                index,
                dir,
                issuer,
                key_type,
                days,
                extensions,
            } => {
                let sv = &config.servers[*index];
                let ips: Vec<String> = sv.ip.iter().map(ToString::to_string).collect();
                let _ = writeln!(
                    s,
                    "- create server certificate in {} (dns [{}], ip [{}], {key_type}, {days} days, \
                     serverAuth+clientAuth, signed by {}{})",
                    dir.display(),
                    sv.dns.join(", "),
                    ips.join(", "),
                    issuer.display(),
                    extensions.summary()
                );
            }
            Step::Csr {
                index,
                csr,
                out,
                issuer,
                days,
                extensions,
                ..
            } => {
                let c = &config.csrs[*index];
                let _ = writeln!(
                    s,
                    "- sign {} with profile {} ({days} days, signed by {}{}) into {}",
                    csr.display(),
                    c.profile,
                    issuer.display(),
                    extensions.summary(),
                    out.display()
                );
            }
        }
    }
    let _ = writeln!(s, "Files that would be created:");
    for f in &plan.files {
        let _ = writeln!(s, "  {}", f.display());
    }
    s
}

/// Runs the plan. `passphrase` is asked for every new CA (`new` = true) before the first key is
/// generated, so a typo at the last confirmation leaves nothing behind to discard.
pub fn run(
    config: &Config,
    config_path: &Path,
    out: &Path,
    plan: &Plan,
    force: bool,
    secrets: Secrets<'_>,
    progress: &mut dyn FnMut(&str, &Outcome),
) -> Result<()> {
    let Secrets { passphrase, pin } = secrets;
    let mut known: BTreeMap<PathBuf, Secret> = BTreeMap::new();
    let mut token_pins: BTreeMap<String, Passphrase> = BTreeMap::new();
    for step in &plan.steps {
        if let Step::Ca {
            index,
            dir,
            key_uri,
            ..
        } = step
        {
            let ca = &config.cas[*index];
            let secret = match key_uri {
                Some(uri) => {
                    if !token_pins.contains_key(&uri.token) {
                        token_pins.insert(uri.token.clone(), pin(&uri.token)?);
                    }
                    Secret::Pin(token_pins[&uri.token].clone())
                }
                None => Secret::Passphrase(passphrase(
                    &format!("new CA {} ({})", ca.name, ca.subject),
                    true,
                )?),
            };
            known.insert(dir.clone(), secret);
        }
    }
    // The whole ceremony is one transaction: interrupted or failed, it is undone entirely (the
    // next run says so), so the tree is either as before or complete.
    let mut tx = Transaction::new("ceremony", out, force);
    for step in &plan.steps {
        match step {
            Step::Ca { dir, .. } | Step::Server { dir, .. } => {
                tx.reserve_dir(dir);
                tx.reserve_file(&dir.join(record::LOG_FILE));
                tx.reserve_file(&dir.join(record::SUMS_FILE));
            }
            Step::Csr { .. } => {}
        }
    }
    for f in &plan.files {
        tx.reserve_file(f);
    }
    tx.begin()?;
    let made = match run_steps(config, plan, force, &mut known, passphrase, progress) {
        Ok(made) => made,
        Err(e) => return Err(tx.fail(e)),
    };
    // The reviewed file itself goes into the record.
    let text = std::fs::read(config_path).map_err(Error::io(format!(
        "reading ceremony file {}",
        config_path.display()
    )));
    let text = match text {
        Ok(t) => t,
        Err(e) => return Err(tx.fail(e)),
    };
    let copy = out.join("ceremony.toml");
    let mut entry = LogEntry::new("ceremony");
    entry
        .details
        .insert("config".into(), config_path.display().to_string().into());
    entry.file(&copy, &text);
    entry.certificates = made;
    for f in &plan.files {
        if let Ok(bytes) = std::fs::read(f) {
            entry.file(f, &bytes);
        }
    }
    tx.create(&copy, text, MODE_PUBLIC);
    if let Err(e) = record::stage_tree(&mut tx, out, &entry) {
        return Err(tx.fail(e));
    }
    tx.commit(|| Ok(()))
}

/// The ceremony's steps in order; returns every certificate made, for the top-level log entry
/// the team carries out of the room.
fn run_steps(
    config: &Config,
    plan: &Plan,
    force: bool,
    known: &mut BTreeMap<PathBuf, Secret>,
    passphrase: &mut dyn FnMut(&str, bool) -> Result<Passphrase>,
    progress: &mut dyn FnMut(&str, &Outcome),
) -> Result<Vec<record::CertSummary>> {
    let mut made = Vec::new();
    for step in &plan.steps {
        match step {
            Step::Ca {
                index,
                dir,
                issuer,
                key_type,
                days,
                path_len,
                extensions,
                key_uri,
            } => {
                let ca = &config.cas[*index];
                let secret = known.get(dir).cloned().ok_or_else(|| {
                    Error::Invalid(format!("no passphrase was collected for {}", dir.display()))
                })?;
                let protection = || match (&secret, key_uri, &config.pkcs11_module) {
                    (Secret::Pin(pin), Some(uri), Some(module)) => Ok(KeyProtection::Hsm {
                        uri: uri.clone(),
                        module: module.clone(),
                        pin: pin.clone(),
                    }),
                    (Secret::Passphrase(p), None, _) => Ok(KeyProtection::encrypted(p.clone())),
                    _ => Err(Error::Invalid(format!(
                        "CA `{}`: its key protection was not collected",
                        ca.name
                    ))),
                };
                let outcome = match issuer {
                    None => ops::root(&ops::RootOptions {
                        out: dir.clone(),
                        subject: ca.subject.clone(),
                        key_type: *key_type,
                        days: *days,
                        path_len: *path_len,
                        protection: protection()?,
                        force,
                        shares: None,
                        extensions: extensions.clone(),
                    })?,
                    Some(idir) => ops::intermediate(&ops::IntermediateOptions {
                        signer: signer_for(idir, known, passphrase)?,
                        out: dir.clone(),
                        subject: ca.subject.clone(),
                        key_type: *key_type,
                        days: *days,
                        path_len: *path_len,
                        protection: protection()?,
                        force,
                        truncate_validity: config.truncate_validity,
                        extensions: extensions.clone(),
                    })?,
                };
                progress(&format!("CA {}", ca.name), &outcome);
                made.extend(outcome.certificates.iter().cloned());
            }
            Step::Server {
                index,
                dir,
                issuer,
                key_type,
                days,
                extensions,
            } => {
                let sv = &config.servers[*index];
                let outcome = ops::server_cert(&ops::ServerOptions {
                    signer: signer_for(issuer, known, passphrase)?,
                    out: dir.clone(),
                    dns: sv.dns.clone(),
                    ip: sv.ip.clone(),
                    subject: sv.subject.clone(),
                    key_type: *key_type,
                    days: *days,
                    force,
                    truncate_validity: config.truncate_validity,
                    extensions: extensions.clone(),
                })?;
                progress(&format!("server {}", sv.name), &outcome);
                made.extend(outcome.certificates.iter().cloned());
            }
            Step::Csr {
                index,
                csr,
                out: out_file,
                issuer,
                days,
                path_len,
                extensions,
            } => {
                let c = &config.csrs[*index];
                let outcome = ops::sign_csr(&ops::SignCsrOptions {
                    csr: csr.clone(),
                    profile: c.profile,
                    issue: ops::Issue {
                        signer: signer_for(issuer, known, passphrase)?,
                        out: out_file.clone(),
                        days: *days,
                        path_len: *path_len,
                        force,
                        truncate_validity: config.truncate_validity,
                        extensions: extensions.clone(),
                    },
                })?;
                progress(&format!("CSR {}", c.csr.display()), &outcome);
                made.extend(outcome.certificates.iter().cloned());
            }
        }
    }
    Ok(made)
}

/// How the ceremony obtains secrets (all before the first key is generated).
pub struct Secrets<'a> {
    /// A passphrase: (what it is for, whether it is for a new key and must be confirmed).
    pub passphrase: &'a mut dyn FnMut(&str, bool) -> Result<Passphrase>,
    /// The user PIN of the token with this label.
    pub pin: &'a mut dyn FnMut(&str) -> Result<Passphrase>,
}

/// What unlocks a CA's key in this ceremony.
#[derive(Clone, Debug)]
enum Secret {
    /// The passphrase of its encrypted `ca.key`.
    Passphrase(Passphrase),
    /// The PIN of the token its key is on.
    Pin(Passphrase),
}

fn signer_for(
    dir: &Path,
    known: &mut BTreeMap<PathBuf, Secret>,
    passphrase: &mut dyn FnMut(&str, bool) -> Result<Passphrase>,
) -> Result<Signer> {
    let secret = match known.get(dir) {
        Some(s) => s.clone(),
        None => {
            let s = Secret::Passphrase(passphrase(&dir.display().to_string(), false)?);
            known.insert(dir.to_path_buf(), s.clone());
            s
        }
    };
    Ok(match secret {
        Secret::Passphrase(p) => Signer::with_passphrase(dir.to_path_buf(), Some(p)),
        Secret::Pin(pin) => Signer {
            ca: dir.to_path_buf(),
            pin: Some(pin),
            ..Signer::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ceremony file with a root, an intermediate and one `[[csr]]`, in `dir` (the CSR file
    /// only has to exist for planning).
    fn config_in(dir: &Path, csr_profile: &str, csr_out: &str) -> (Config, PathBuf) {
        std::fs::write(dir.join("req.csr"), "not parsed while planning").unwrap();
        let text = format!(
            r#"
[[ca]]
name = "root"
subject = "CN=Root,C=NL"
path_len = 1

[[ca]]
name = "int"
issuer = "root"
subject = "CN=Int,C=NL"

[[csr]]
csr = "req.csr"
issuer = "root"
profile = "{csr_profile}"
out = "{csr_out}"
"#
        );
        let path = dir.join("ceremony.toml");
        std::fs::write(&path, &text).unwrap();
        (load(&path).unwrap(), path)
    }

    #[test]
    fn csr_defaults_come_from_the_profile_table() {
        let tmp = tempfile::tempdir().unwrap();
        for (profile, days) in [("server", 397), ("client", 397), ("intermediate", 1825)] {
            let (config, path) = config_in(tmp.path(), profile, "x.pem");
            let plan = plan(&config, &path, &tmp.path().join("out"), false).unwrap();
            let csr_days = plan.steps.iter().find_map(|s| match s {
                Step::Csr { days, .. } => Some(*days),
                _ => None,
            });
            assert_eq!(csr_days, Some(days), "{profile}");
            assert_eq!(days, profile.parse::<Profile>().unwrap().default_days());
        }
    }

    #[test]
    fn csr_output_must_stay_inside_out() {
        let tmp = tempfile::tempdir().unwrap();
        for bad in ["../escape.pem", "/tmp/abs.pem", "a/../../b.pem", "."] {
            let (config, path) = config_in(tmp.path(), "server", bad);
            let err = plan(&config, &path, &tmp.path().join("out"), false).unwrap_err();
            assert!(
                err.to_string().contains("which leaves --out"),
                "{bad}: {err}"
            );
        }
        let (config, path) = config_in(tmp.path(), "server", "sub/ok.pem");
        assert!(plan(&config, &path, &tmp.path().join("out"), false).is_ok());
    }

    #[test]
    fn every_passphrase_is_collected_before_the_first_key() {
        let tmp = tempfile::tempdir().unwrap();
        let (config, path) = config_in(tmp.path(), "server", "x.pem");
        let out = tmp.path().join("out");
        let plan = plan(&config, &path, &out, false).unwrap();
        let mut asked = Vec::new();
        let mut passphrase = |what: &str, new: bool| {
            asked.push((what.to_owned(), new));
            if asked.len() == 2 {
                // The intermediate's confirmation does not match.
                return Err(Error::Passphrase("the two passphrases differ".into()));
            }
            Ok(Passphrase::new("a long enough passphrase"))
        };
        let err = run(
            &config,
            &path,
            &out,
            &plan,
            false,
            Secrets {
                passphrase: &mut passphrase,
                pin: &mut |_| Err(Error::Passphrase("no token".into())),
            },
            &mut |_, _| {},
        )
        .unwrap_err();
        assert!(matches!(err, Error::Passphrase(_)), "{err}");
        assert_eq!(asked.len(), 2);
        assert!(asked.iter().all(|(_, new)| *new));
        assert!(
            !out.exists(),
            "no root was generated before every passphrase was in"
        );
    }
}
