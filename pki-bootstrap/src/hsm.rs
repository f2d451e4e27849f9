//! CA keys on a PKCS#11 token (an HSM; SoftHSM2 in tests): the key pair is generated on the token,
//! marked sensitive and non-extractable, and every signature is made by the token (`CKM_ECDSA`
//! over a digest computed here). A CA directory then holds `ca.key-uri` (an RFC 7512 URI with
//! the module path) instead of `ca.key`. EC P-256 and P-384 only.

use std::fmt;
use std::path::{Path, PathBuf};

use cryptoki::context::{CInitializeArgs, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType as CkKeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use rcgen::{PublicKeyData, SignatureAlgorithm, SigningKey};

use crate::keys::KeyType;
use crate::secret::Passphrase;
use crate::{Error, Result};

/// `pkcs11:token=<label>;object=<label>[?module-path=<path>]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUri {
    /// Token label.
    pub token: String,
    /// Key object label.
    pub object: String,
    /// The PKCS#11 module, when recorded in the URI.
    pub module: Option<PathBuf>,
}

impl KeyUri {
    /// Parses the subset of RFC 7512 this tool writes and reads.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |why: &str| Error::Invalid(format!("key URI `{s}`: {why}"));
        let rest = s
            .trim()
            .strip_prefix("pkcs11:")
            .ok_or_else(|| bad("must start with pkcs11:"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (mut token, mut object, mut module) = (None, None, None);
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            let (k, v) = attr
                .split_once('=')
                .ok_or_else(|| bad("attributes are key=value"))?;
            let v = percent_decode(v).ok_or_else(|| bad("bad %-escape"))?;
            match k {
                "token" => token = Some(v),
                "object" => object = Some(v),
                _ => {}
            }
        }
        for attr in query.split('&').filter(|a| !a.is_empty()) {
            if let Some(v) = attr.strip_prefix("module-path=") {
                module = Some(PathBuf::from(
                    percent_decode(v).ok_or_else(|| bad("bad %-escape"))?,
                ));
            }
        }
        Ok(Self {
            token: token
                .filter(|t| !t.is_empty())
                .ok_or_else(|| bad("token= is required"))?,
            object: object
                .filter(|o| !o.is_empty())
                .ok_or_else(|| bad("object= is required"))?,
            module,
        })
    }

    /// The URI with `module` recorded.
    pub fn with_module(&self, module: &Path) -> String {
        format!(
            "pkcs11:token={};object={}?module-path={}",
            percent_encode(&self.token),
            percent_encode(&self.object),
            percent_encode(&module.display().to_string())
        )
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A private key on a token, usable as an rcgen signing key.
pub struct HsmKey {
    // Field order matters: the session must close before the library is finalised.
    session: Session,
    _ctx: Pkcs11,
    key: ObjectHandle,
    point: Vec<u8>,
    alg: &'static SignatureAlgorithm,
    curve: Nid,
    label: String,
}

impl fmt::Debug for HsmKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HsmKey({}, {:?})", self.label, self.curve)
    }
}

impl HsmKey {
    /// Generates a new non-extractable key pair labelled `uri.object` on `uri.token`. Refuses if
    /// an object with that label exists.
    pub fn generate(uri: &KeyUri, module: &Path, pin: &Passphrase, kind: KeyType) -> Result<Self> {
        let (curve, params, alg): (Nid, &[u8], &'static SignatureAlgorithm) = match kind {
            KeyType::P256 => (
                Nid::X9_62_PRIME256V1,
                &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
                &rcgen::PKCS_ECDSA_P256_SHA256,
            ),
            KeyType::P384 => (
                Nid::SECP384R1,
                &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22],
                &rcgen::PKCS_ECDSA_P384_SHA384,
            ),
            other => {
                return Err(Error::Invalid(format!(
                    "key type {other} is not supported on a PKCS#11 token (use p256 or p384)"
                )));
            }
        };
        let (ctx, session) = open(uri, module, pin)?;
        if !find(&session, uri, ObjectClass::PRIVATE_KEY)?.is_empty() {
            return Err(Error::Invalid(format!(
                "token \"{}\" already holds a key labelled \"{}\"; choose another object= label",
                uri.token, uri.object
            )));
        }
        let mut id = [0u8; 16];
        openssl::rand::rand_bytes(&mut id).map_err(Error::ssl("drawing a key id"))?;
        let label = uri.object.as_bytes().to_vec();
        let public = [
            Attribute::Token(true),
            Attribute::Verify(true),
            Attribute::EcParams(params.to_vec()),
            Attribute::Label(label.clone()),
            Attribute::Id(id.to_vec()),
        ];
        let private = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Label(label),
            Attribute::Id(id.to_vec()),
        ];
        let (pub_handle, key) = session
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
            .map_err(p11(format!("generating a key on token \"{}\"", uri.token)))?;
        let point = ec_point(&session, pub_handle)?;
        Ok(Self {
            session,
            _ctx: ctx,
            key,
            point,
            alg,
            curve,
            label: uri.object.clone(),
        })
    }

    /// Opens an existing key by label.
    pub fn open(uri: &KeyUri, module: &Path, pin: &Passphrase) -> Result<Self> {
        let (ctx, session) = open(uri, module, pin)?;
        let missing = || {
            Error::Invalid(format!(
                "token \"{}\" has no key labelled \"{}\"",
                uri.token, uri.object
            ))
        };
        let key = *find(&session, uri, ObjectClass::PRIVATE_KEY)?
            .first()
            .ok_or_else(missing)?;
        let pub_handle = *find(&session, uri, ObjectClass::PUBLIC_KEY)?
            .first()
            .ok_or_else(missing)?;
        let point = ec_point(&session, pub_handle)?;
        let (curve, alg): (Nid, &'static SignatureAlgorithm) = match point.len() {
            65 => (Nid::X9_62_PRIME256V1, &rcgen::PKCS_ECDSA_P256_SHA256),
            97 => (Nid::SECP384R1, &rcgen::PKCS_ECDSA_P384_SHA384),
            _ => return Err(Error::Invalid("the token key is not P-256 or P-384".into())),
        };
        Ok(Self {
            session,
            _ctx: ctx,
            key,
            point,
            alg,
            curve,
            label: uri.object.clone(),
        })
    }

    /// DER SubjectPublicKeyInfo of the token key.
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        let group = EcGroup::from_curve_name(self.curve).map_err(Error::ssl("curve"))?;
        let mut ctx = openssl::bn::BigNumContext::new().map_err(Error::ssl("bn"))?;
        let point = EcPoint::from_bytes(&group, &self.point, &mut ctx)
            .map_err(Error::ssl("reading the token's public key"))?;
        let key = EcKey::from_public_key(&group, &point).map_err(Error::ssl("public key"))?;
        PKey::from_ec_key(key)
            .and_then(|k| k.public_key_to_der())
            .map_err(Error::ssl("encoding the token's public key"))
    }
}

impl PublicKeyData for HsmKey {
    fn der_bytes(&self) -> &[u8] {
        &self.point
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.alg
    }
}

impl SigningKey for HsmKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let digest = if self.curve == Nid::SECP384R1 {
            openssl::sha::sha384(msg).to_vec()
        } else {
            openssl::sha::sha256(msg).to_vec()
        };
        let raw = self
            .session
            .sign(&Mechanism::Ecdsa, self.key, &digest)
            .map_err(|_| rcgen::Error::RemoteKeyError)?;
        let half = raw.len() / 2;
        let r = BigNum::from_slice(&raw[..half]).map_err(|_| rcgen::Error::RemoteKeyError)?;
        let s = BigNum::from_slice(&raw[half..]).map_err(|_| rcgen::Error::RemoteKeyError)?;
        EcdsaSig::from_private_components(r, s)
            .and_then(|sig| sig.to_der())
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

fn p11(context: String) -> impl FnOnce(cryptoki::error::Error) -> Error {
    move |e| Error::Invalid(format!("{context}: PKCS#11: {e}"))
}

fn open(uri: &KeyUri, module: &Path, pin: &Passphrase) -> Result<(Pkcs11, Session)> {
    let ctx =
        Pkcs11::new(module).map_err(p11(format!("loading PKCS#11 module {}", module.display())))?;
    ctx.initialize(CInitializeArgs::OsThreads)
        .map_err(p11("initialising the PKCS#11 module".into()))?;
    let slots = ctx
        .get_slots_with_token()
        .map_err(p11("listing tokens".into()))?;
    let slot = slots
        .into_iter()
        .find(|s| {
            ctx.get_token_info(*s)
                .is_ok_and(|i| i.label().trim() == uri.token)
        })
        .ok_or_else(|| {
            Error::Invalid(format!(
                "no token labelled \"{}\" in {}",
                uri.token,
                module.display()
            ))
        })?;
    let session = ctx
        .open_rw_session(slot)
        .map_err(p11("opening a session".into()))?;
    let pin_str = String::from_utf8_lossy(pin.as_bytes()).into_owned();
    session
        .login(UserType::User, Some(&AuthPin::new(pin_str)))
        .map_err(|_| {
            Error::Invalid(format!(
                "wrong PIN for token \"{}\" (or the token is locked)",
                uri.token
            ))
        })?;
    Ok((ctx, session))
}

fn find(session: &Session, uri: &KeyUri, class: ObjectClass) -> Result<Vec<ObjectHandle>> {
    session
        .find_objects(&[
            Attribute::Class(class),
            Attribute::KeyType(CkKeyType::EC),
            Attribute::Label(uri.object.as_bytes().to_vec()),
        ])
        .map_err(p11("searching the token".into()))
}

fn ec_point(session: &Session, handle: ObjectHandle) -> Result<Vec<u8>> {
    let attrs = session
        .get_attributes(handle, &[AttributeType::EcPoint])
        .map_err(p11("reading the public key".into()))?;
    let Some(Attribute::EcPoint(raw)) = attrs.into_iter().next() else {
        return Err(Error::Invalid("the token returned no EC point".into()));
    };
    // CKA_EC_POINT is a DER OCTET STRING around the uncompressed point (04 || X || Y).
    if raw.len() > 2 && raw[0] == 0x04 && usize::from(raw[1]) == raw.len() - 2 {
        return Ok(raw[2..].to_vec());
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_round_trip() {
        let u = KeyUri::parse("pkcs11:token=Cere%20mony;object=root").unwrap();
        assert_eq!(u.token, "Cere mony");
        assert_eq!(u.object, "root");
        let s = u.with_module(Path::new("/usr/lib/softhsm/libsofthsm2.so"));
        let back = KeyUri::parse(&s).unwrap();
        assert_eq!(
            back.module.as_deref(),
            Some(Path::new("/usr/lib/softhsm/libsofthsm2.so"))
        );
        assert!(KeyUri::parse("pkcs11:object=x").is_err());
        assert!(KeyUri::parse("file:x").is_err());
    }
}
