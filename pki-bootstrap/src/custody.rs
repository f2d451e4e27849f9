//! Quorum custody of a CA key without an HSM: `root --split-passphrase 3-of-5 --shares-dir DIR`
//! encrypts the new key with a random passphrase nobody sees and splits that passphrase with
//! Shamir's secret sharing (the `blahaj` crate) into one share file per custodian; commands that
//! sign take `--ca-shares S1,S2,S3` and rebuild the passphrase in memory (zeroised after use).
//! Fewer shares than the threshold, a damaged share (each file carries an integrity tag) or shares
//! of another key fail before anything is signed.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use zeroize::Zeroizing;

use crate::record::{colon_hex, hex};
use crate::secret::Passphrase;
use crate::{Error, Result};

/// `K-of-N`: any K of N shares unlock the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    /// Shares needed (K).
    pub threshold: u8,
    /// Shares made (N).
    pub shares: u8,
}

impl FromStr for Split {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not K-of-N with 2 <= K <= N <= 255, e.g. 3-of-5");
        let (k, n) = s.split_once("-of-").ok_or_else(bad)?;
        let threshold: u8 = k.trim().parse().map_err(|_| bad())?;
        let shares: u8 = n.trim().parse().map_err(|_| bad())?;
        if threshold < 2 || threshold > shares {
            return Err(bad());
        }
        Ok(Self { threshold, shares })
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-of-{}", self.threshold, self.shares)
    }
}

/// A fresh random passphrase for a split key: 32 random bytes as 64 hex characters.
pub fn new_passphrase() -> Result<Passphrase> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    openssl::rand::rand_bytes(bytes.as_mut()).map_err(Error::ssl("drawing a passphrase"))?;
    Ok(Passphrase::new(hex(bytes.as_ref())))
}

/// The SHA-256 of a certificate's SubjectPublicKeyInfo, which names the key in every share.
pub fn key_fingerprint(cert_der: &[u8]) -> Result<String> {
    let cert = openssl::x509::X509::from_der(cert_der).map_err(Error::ssl("parsing ca.pem"))?;
    let spki = cert
        .public_key()
        .and_then(|k| k.public_key_to_der())
        .map_err(Error::ssl("reading the CA public key"))?;
    Ok(colon_hex(&openssl::sha::sha256(&spki), true))
}

/// The share files [`write_shares`] creates in `dir`.
pub fn share_paths(dir: &Path, split: Split) -> Vec<PathBuf> {
    (1..=split.shares)
        .map(|i| dir.join(format!("share-{i}-of-{}.txt", split.shares)))
        .collect()
}

/// Splits `passphrase` into the contents of one share file per custodian (written mode 0600,
/// together with the key, by `root`).
pub fn share_files(
    dir: &Path,
    split: Split,
    passphrase: &Passphrase,
    key: &str,
) -> Result<Vec<(PathBuf, Zeroizing<String>)>> {
    let dealer = blahaj::Sharks(split.threshold).dealer(passphrase.as_bytes());
    let paths = share_paths(dir, split);
    let mut files = Vec::new();
    for (share, path) in dealer.zip(paths) {
        let bytes = Zeroizing::new(Vec::from(&share));
        let index = bytes.first().copied().unwrap_or(0);
        let body = Zeroizing::new(hex(&bytes[1..]));
        let text = Zeroizing::new(format!(
            "# pki-bootstrap CA key share. Keep it apart from the other shares: any {} of {} \
             unlock the key.\nindex = {index}\nthreshold = {}\nshares = {}\nkey_sha256 = {key}\n\
             share = {}\ntag = {}\n",
            split.threshold,
            split.shares,
            split.threshold,
            split.shares,
            body.as_str(),
            tag(index, split, key, &body)
        ));
        files.push((path, text));
    }
    Ok(files)
}

/// Rebuilds the passphrase of the key whose fingerprint is `key` from share files.
pub fn recover(paths: &[PathBuf], key: &str) -> Result<Passphrase> {
    let mut shares = Vec::new();
    let mut split: Option<Split> = None;
    for path in paths {
        let share = read_share(path)?;
        if share.key != key {
            return Err(share_error(
                path,
                &format!("belongs to key {} (this CA's key is {key})", share.key),
            ));
        }
        match split {
            Some(s) if s != share.split => {
                return Err(share_error(path, "comes from a different split"));
            }
            _ => split = Some(share.split),
        }
        if shares
            .iter()
            .any(|(i, _): &(u8, Zeroizing<Vec<u8>>)| *i == share.index)
        {
            return Err(share_error(path, &format!("repeats share {}", share.index)));
        }
        shares.push((share.index, share.bytes));
    }
    let Some(split) = split else {
        return Err(Error::Passphrase("no share files were given".into()));
    };
    if shares.len() < usize::from(split.threshold) {
        return Err(Error::Passphrase(format!(
            "{} share(s) given but this key needs {} of {}; bring more custodians",
            shares.len(),
            split.threshold,
            split.shares
        )));
    }
    let parsed: Vec<blahaj::Share> = shares
        .iter()
        .map(|(_, b)| blahaj::Share::try_from(b.as_slice()))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Passphrase(format!("a share does not decode: {e}")))?;
    let secret = Zeroizing::new(
        blahaj::Sharks(split.threshold)
            .recover(&parsed)
            .map_err(|e| Error::Passphrase(format!("the shares do not combine: {e}")))?,
    );
    let text = std::str::from_utf8(&secret)
        .map_err(|_| Error::Passphrase("the shares do not combine to a passphrase".into()))?;
    Ok(Passphrase::new(text))
}

struct ShareFile {
    index: u8,
    split: Split,
    key: String,
    /// x then the y bytes, as blahaj encodes a share.
    bytes: Zeroizing<Vec<u8>>,
}

fn read_share(path: &Path) -> Result<ShareFile> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(Error::io(format!("reading share file {}", path.display())))?,
    );
    let field = |name: &str| -> Result<String> {
        text.lines()
            .filter_map(|l| l.split_once('='))
            .find(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim().to_owned())
            .ok_or_else(|| share_error(path, &format!("has no `{name}` line")))
    };
    let number = |name: &str| -> Result<u8> {
        field(name)?
            .parse()
            .map_err(|_| share_error(path, &format!("has a damaged `{name}` line")))
    };
    let index = number("index")?;
    let split = Split {
        threshold: number("threshold")?,
        shares: number("shares")?,
    };
    let key = field("key_sha256")?;
    let body = Zeroizing::new(field("share")?);
    if field("tag")? != tag(index, split, &key, &body) {
        return Err(share_error(
            path,
            "is damaged (its integrity tag does not match its contents)",
        ));
    }
    let mut bytes = Zeroizing::new(vec![index]);
    for pair in body.as_bytes().chunks(2) {
        let b = std::str::from_utf8(pair)
            .ok()
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .ok_or_else(|| share_error(path, "has a damaged `share` line"))?;
        bytes.push(b);
    }
    Ok(ShareFile {
        index,
        split,
        key,
        bytes,
    })
}

/// SHA-256 over every field of a share: a flipped byte anywhere in the file is detected before
/// the shares are combined (a wrong share would otherwise silently yield a wrong passphrase).
fn tag(index: u8, split: Split, key: &str, body: &str) -> String {
    let input = Zeroizing::new(format!(
        "pki-bootstrap share v1|{index}|{split}|{key}|{body}"
    ));
    hex(&openssl::sha::sha256(input.as_bytes()))
}

fn share_error(path: &Path, why: &str) -> Error {
    Error::Passphrase(format!("share file {} {why}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_three_of_five_and_not_two_and_a_flipped_byte_is_caught() {
        let tmp = tempfile::tempdir().unwrap();
        let split: Split = "3-of-5".parse().unwrap();
        let pass = new_passphrase().unwrap();
        let mut paths = Vec::new();
        for (path, text) in share_files(tmp.path(), split, &pass, "AA:BB").unwrap() {
            std::fs::write(&path, text.as_bytes()).unwrap();
            paths.push(path);
        }
        for triple in [[0, 1, 2], [4, 2, 0], [1, 3, 4]] {
            let chosen: Vec<PathBuf> = triple.iter().map(|i| paths[*i].clone()).collect();
            assert_eq!(
                recover(&chosen, "AA:BB").unwrap().as_bytes(),
                pass.as_bytes()
            );
        }
        let err = recover(&paths[..2], "AA:BB").unwrap_err();
        assert!(err.to_string().contains("needs 3 of 5"), "{err}");
        let err = recover(&paths[..3], "CC:DD").unwrap_err();
        assert!(err.to_string().contains("belongs to key AA:BB"), "{err}");
        let mut text = std::fs::read_to_string(&paths[1]).unwrap();
        let at = text.find("share = ").unwrap() + 10;
        let flipped = if &text[at..=at] == "0" { "1" } else { "0" };
        text.replace_range(at..=at, flipped);
        std::fs::write(&paths[1], text).unwrap();
        let err = recover(&paths[..3], "AA:BB").unwrap_err();
        assert!(err.to_string().contains("is damaged"), "{err}");
    }

    #[test]
    fn split_syntax() {
        assert_eq!(
            "2-of-3".parse::<Split>().unwrap(),
            Split {
                threshold: 2,
                shares: 3
            }
        );
        for bad in ["1-of-3", "4-of-3", "3of5", "x-of-5"] {
            assert!(bad.parse::<Split>().is_err(), "{bad}");
        }
    }
}
