//! The YAML file, in the "Vault Certificate Manager" format as it is (`config:` with `vault`,
//! `pki`, `role`, `renew`; `certs:` with `name`, `ttl`, `renew`, `dns_sans`, `ip_sans`,
//! `service`, `deploy`), plus what cert-deploy adds: `chain` and `fullchain` targets, a `command`
//! list, and per-certificate `pki`/`role`. Every struct denies unknown keys, so a typo is an error
//! naming the key and its line rather than a silently ignored setting. Everything that can be
//! checked without the server is checked here (durations, modes, owners and groups that exist,
//! absolute and distinct paths), before anything is touched.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::Deserialize;

/// The whole file, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// Server address from `config.vault`, if given.
    pub vault: Option<String>,
    /// The certificates, in file order.
    pub certs: Vec<CertSpec>,
}

/// One certificate to keep deployed.
#[derive(Debug, Clone)]
pub struct CertSpec {
    /// The common name (`name`), also the certificate's label in logs and metrics.
    pub name: String,
    /// The PKI mount (`pki`, else `config.pki`).
    pub pki: String,
    /// The role to issue from (`role`, else `config.role`).
    pub role: String,
    /// Requested validity (`ttl`); the role's default when unset.
    pub ttl: Option<Duration>,
    /// When to renew (`renew`, else `config.renew`).
    pub renew: Renew,
    /// DNS subject alternative names besides the common name.
    pub dns_sans: Vec<String>,
    /// IP subject alternative names.
    pub ip_sans: Vec<IpAddr>,
    /// Services to reload or restart after a change, in file order.
    pub services: Vec<Service>,
    /// Shell commands run after a change, in file order.
    pub commands: Vec<String>,
    /// Where the pieces go, in file order.
    pub targets: Vec<Target>,
}

/// When a certificate is renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renew {
    /// When less than this much validity remains.
    Before(Duration),
    /// Neither the certificate nor `config` says: when less than a third of its lifetime
    /// remains.
    LastThird,
}

/// A systemd unit and what to do to it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Service {
    /// The unit, e.g. `nginx.service`.
    pub name: String,
    /// `reload` or `restart`.
    pub control: Control,
}

/// `systemctl reload` or `systemctl restart`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Control {
    /// `systemctl reload`.
    Reload,
    /// `systemctl restart`.
    Restart,
}

impl Control {
    /// The systemctl verb.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Reload => "reload",
            Self::Restart => "restart",
        }
    }
}

/// One file to deploy.
#[derive(Debug, Clone)]
pub struct Target {
    /// What goes into it.
    pub kind: Kind,
    /// Absolute path.
    pub path: PathBuf,
    /// Owner (uid) to set; the process's own when unset.
    pub uid: Option<u32>,
    /// Group (gid) to set; the process's own when unset.
    pub gid: Option<u32>,
    /// Permission bits.
    pub mode: u32,
}

/// What a deployed file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The private key (PKCS#8 PEM as issued).
    PrivKey,
    /// The certificate alone.
    Cert,
    /// The issuing CA chain, without the certificate.
    Chain,
    /// The certificate followed by the chain.
    FullChain,
}

impl Kind {
    /// The YAML key.
    pub fn key(self) -> &'static str {
        match self {
            Self::PrivKey => "privkey",
            Self::Cert => "cert",
            Self::Chain => "chain",
            Self::FullChain => "fullchain",
        }
    }

    fn default_mode(self) -> u32 {
        match self {
            Self::PrivKey => 0o600,
            _ => 0o644,
        }
    }
}

impl Config {
    /// Reads and checks the file; the error names the file, the key and (for YAML errors) the
    /// line.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("{}", path.display()))
    }

    /// Parses and checks the YAML text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let raw: RawFile = serde_yaml_ng::from_str(text)?;
        let defaults = &raw.config;
        let default_renew = match &defaults.renew {
            Some(r) => Renew::Before(parse_duration(r).context("config.renew")?),
            None => Renew::LastThird,
        };
        if raw.certs.is_empty() {
            bail!("certs: the list is empty; name at least one certificate");
        }
        let mut names = BTreeSet::new();
        let mut paths = BTreeSet::new();
        let mut certs = Vec::with_capacity(raw.certs.len());
        for (i, c) in raw.certs.into_iter().enumerate() {
            let at = format!("certs[{i}]");
            let name = c.name.trim().to_owned();
            if name.is_empty() {
                bail!("{at}.name is empty; it is the certificate's common name");
            }
            let at = format!("{at} ({name})");
            if !names.insert(name.clone()) {
                bail!("{at}: the name appears twice; each certificate needs its own entry");
            }
            let pki = c
                .pki
                .or_else(|| defaults.pki.clone())
                .map(|p| p.trim_matches('/').to_owned())
                .filter(|p| !p.is_empty())
                .with_context(|| format!("{at}: no PKI mount; set config.pki or pki"))?;
            let role = c
                .role
                .or_else(|| defaults.role.clone())
                .filter(|r| !r.is_empty())
                .with_context(|| format!("{at}: no role; set config.role or role"))?;
            let ttl = c
                .ttl
                .as_deref()
                .map(parse_duration)
                .transpose()
                .with_context(|| format!("{at}.ttl"))?;
            let renew = match c.renew.as_deref() {
                Some(r) => Renew::Before(parse_duration(r).with_context(|| format!("{at}.renew"))?),
                None => default_renew,
            };
            let ip_sans = c
                .ip_sans
                .iter()
                .map(|ip| {
                    ip.trim().parse::<IpAddr>().with_context(|| {
                        format!("{at}.ip_sans: {ip:?} is not an IPv4 or IPv6 address")
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            if c.deploy.is_empty() {
                bail!("{at}.deploy is empty; say where the certificate and key go");
            }
            let mut targets = Vec::with_capacity(c.deploy.len());
            for (j, t) in c.deploy.into_iter().enumerate() {
                let target = t.check().with_context(|| format!("{at}.deploy[{j}]"))?;
                if !paths.insert(target.path.clone()) {
                    bail!(
                        "{at}.deploy[{j}]: {} is deployed twice in this file",
                        target.path.display()
                    );
                }
                targets.push(target);
            }
            if !targets.iter().any(|t| t.kind != Kind::Chain) {
                bail!("{at}.deploy: only chain targets; add a cert, fullchain or privkey target");
            }
            certs.push(CertSpec {
                name,
                pki,
                role,
                ttl,
                renew,
                dns_sans: c
                    .dns_sans
                    .into_iter()
                    .map(|d| d.trim().to_owned())
                    .collect(),
                ip_sans,
                services: c
                    .service
                    .into_iter()
                    .map(|s| Service {
                        name: s.name,
                        control: s.control.unwrap_or(Control::Reload),
                    })
                    .collect(),
                commands: c.command,
                targets,
            });
        }
        Ok(Self {
            vault: defaults.vault.clone().filter(|v| !v.trim().is_empty()),
            certs,
        })
    }
}

/// `90`, `45s`, `30m`, `72h`, `14d`, `2w`: a whole number and one unit (seconds without one).
pub fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let trimmed = text.trim();
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = trimmed.split_at(digits);
    let seconds_per_unit: u64 = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => bail!("{text:?} is not a duration: use a number and one of s, m, h, d, w (e.g. 14d)"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| anyhow::anyhow!("{text:?} is not a duration: it needs a number (e.g. 14d)"))?;
    n.checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .ok_or_else(|| anyhow::anyhow!("{text:?} is too long"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    config: RawDefaults,
    #[serde(default)]
    certs: Vec<RawCert>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    vault: Option<String>,
    pki: Option<String>,
    role: Option<String>,
    renew: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCert {
    name: String,
    ttl: Option<String>,
    renew: Option<String>,
    pki: Option<String>,
    role: Option<String>,
    #[serde(default)]
    dns_sans: Vec<String>,
    #[serde(default)]
    ip_sans: Vec<String>,
    #[serde(default)]
    service: Vec<RawService>,
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    deploy: Vec<RawTarget>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    name: String,
    control: Option<Control>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    cert: Option<PathBuf>,
    privkey: Option<PathBuf>,
    chain: Option<PathBuf>,
    fullchain: Option<PathBuf>,
    owner: Option<String>,
    group: Option<String>,
    mode: Option<RawMode>,
}

/// `mode: "0644"` as VCM writes it, or an unquoted `0644` (which YAML 1.2 reads as the decimal
/// number 644): both mean the octal digits.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawMode {
    Text(String),
    Number(u64),
}

impl RawTarget {
    fn check(self) -> anyhow::Result<Target> {
        let given: Vec<(Kind, PathBuf)> = [
            (Kind::PrivKey, self.privkey),
            (Kind::Cert, self.cert),
            (Kind::Chain, self.chain),
            (Kind::FullChain, self.fullchain),
        ]
        .into_iter()
        .filter_map(|(k, p)| p.map(|p| (k, p)))
        .collect();
        let (kind, path) = match given.as_slice() {
            [one] => one.clone(),
            [] => bail!("needs one of cert, privkey, chain or fullchain"),
            _ => bail!(
                "has {} of cert, privkey, chain, fullchain; give each file its own entry",
                given.len()
            ),
        };
        if !path.is_absolute() || path.file_name().is_none() {
            bail!(
                "{}: {} must be an absolute file path",
                kind.key(),
                path.display()
            );
        }
        let mode = match self.mode {
            None => kind.default_mode(),
            Some(RawMode::Text(t)) => parse_mode(&t)?,
            Some(RawMode::Number(n)) => parse_mode(&n.to_string())?,
        };
        if kind == Kind::PrivKey && mode & 0o007 != 0 {
            bail!(
                "mode {mode:04o} would let every user of the host read or change the private key; use 0600 or 0640"
            );
        }
        Ok(Target {
            kind,
            path,
            uid: self.owner.as_deref().map(lookup_user).transpose()?,
            gid: self.group.as_deref().map(lookup_group).transpose()?,
            mode,
        })
    }
}

fn parse_mode(text: &str) -> anyhow::Result<u32> {
    let t = text.trim();
    match u32::from_str_radix(t, 8) {
        Ok(m) if m <= 0o7777 && !t.is_empty() => Ok(m),
        _ => bail!("mode {text:?} is not an octal permission like \"0644\""),
    }
}

fn lookup_user(name: &str) -> anyhow::Result<u32> {
    if let Ok(uid) = name.parse::<u32>() {
        return Ok(uid);
    }
    match nix::unistd::User::from_name(name) {
        Ok(Some(u)) => Ok(u.uid.as_raw()),
        Ok(None) => bail!("owner {name:?} is not a user on this host"),
        Err(e) => bail!("owner {name:?}: looking the user up failed: {e}"),
    }
}

fn lookup_group(name: &str) -> anyhow::Result<u32> {
    if let Ok(gid) = name.parse::<u32>() {
        return Ok(gid);
    }
    match nix::unistd::Group::from_name(name) {
        Ok(Some(g)) => Ok(g.gid.as_raw()),
        Ok(None) => bail!("group {name:?} is not a group on this host"),
        Err(e) => bail!("group {name:?}: looking the group up failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VCM: &str = r#"
config:
  vault: "https://vault.example.internal:8200"
  pki: "pki_internal"
  role: "internal-service"
  renew: "14d"
certs:
  - name: "web.internal.example"
    ttl: "120d"
    renew: "10d"
    dns_sans: ["api.internal.example"]
    ip_sans: ["10.1.1.20"]
    service:
      - name: "nginx.service"
        control: "reload"
    deploy:
      - cert: "/etc/nginx/ssl/web.crt"
        owner: "root"
        group: "root"
        mode: "0644"
      - privkey: "/etc/nginx/ssl/web.key"
        owner: "root"
        group: "root"
        mode: "0600"
"#;

    #[test]
    fn the_vcm_example_reads_as_is() {
        let c = Config::parse(VCM).unwrap();
        assert_eq!(
            c.vault.as_deref(),
            Some("https://vault.example.internal:8200")
        );
        let cert = &c.certs[0];
        assert_eq!(cert.pki, "pki_internal");
        assert_eq!(cert.ttl, Some(Duration::from_secs(120 * 86_400)));
        assert_eq!(cert.renew, Renew::Before(Duration::from_secs(10 * 86_400)));
        assert_eq!(cert.ip_sans, vec!["10.1.1.20".parse::<IpAddr>().unwrap()]);
        assert_eq!(cert.services[0].control, Control::Reload);
        assert_eq!(cert.targets[1].kind, Kind::PrivKey);
        assert_eq!(cert.targets[1].mode, 0o600);
        assert_eq!(cert.targets[0].uid, Some(0));
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let text = VCM.replace("        control: \"reload\"", "        contrl: \"reload\"");
        let err = format!("{:#}", Config::parse(&text).unwrap_err());
        assert!(err.contains("unknown field `contrl`"), "{err}");
        assert!(err.contains("line 15"), "{err}");
    }

    #[test]
    fn checks_name_the_entry() {
        let two = VCM.replace("      - privkey:", "        chain: /x\n      - privkey:");
        let err = format!("{:#}", Config::parse(&two).unwrap_err());
        assert!(
            err.contains("certs[0] (web.internal.example).deploy[0]: has 2 of"),
            "{err}"
        );
        let open = VCM.replace("mode: \"0600\"", "mode: \"0644\"");
        let err = format!("{:#}", Config::parse(&open).unwrap_err());
        assert!(
            err.contains("deploy[1]: mode 0644 would let every user"),
            "{err}"
        );
        let nobody = VCM.replace(
            "owner: \"root\"\n        group: \"root\"\n        mode: \"0600\"",
            "owner: \"no-such-user-xyz\"",
        );
        let err = format!("{:#}", Config::parse(&nobody).unwrap_err());
        assert!(
            err.contains("owner \"no-such-user-xyz\" is not a user"),
            "{err}"
        );
        let ttl = VCM.replace("\"120d\"", "\"4 months\"");
        let err = format!("{:#}", Config::parse(&ttl).unwrap_err());
        assert!(
            err.contains("certs[0] (web.internal.example).ttl: \"4 months\" is not a duration"),
            "{err}"
        );
    }

    #[test]
    fn durations_and_modes() {
        assert_eq!(parse_duration("72h").unwrap(), Duration::from_secs(259_200));
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("3y").is_err());
        assert_eq!(parse_mode("0640").unwrap(), 0o640);
        assert!(parse_mode("0999").is_err());
        let unquoted = VCM.replace("mode: \"0644\"", "mode: 0644");
        assert_eq!(
            Config::parse(&unquoted).unwrap().certs[0].targets[0].mode,
            0o644
        );
    }
}
