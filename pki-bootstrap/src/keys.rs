//! Private keys: generation for every supported type, PKCS#8 encryption with a KDF strong enough
//! for a key that sits on a USB stick in a safe, and loading them back through OpenSSL.
//!
//! Encryption uses PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC. The openssl crate's PKCS#8
//! writer offers no way to raise OpenSSL's default iteration count (2048), so the KDF and cipher
//! are called directly through OpenSSL and the RustCrypto `pkcs8` crate encodes the
//! `EncryptedPrivateKeyInfo` around them. Decryption goes through OpenSSL, which is also what
//! `openssl pkey -passin` uses, so every key we write is proven readable by the reference tool.

use std::fmt;
use std::str::FromStr;

use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;
use pkcs8::der::pem::LineEnding;
use pkcs8::der::{EncodePem, pem::PemLabel};
use pkcs8::pkcs5::pbes2;
use rcgen::KeyPair;
use zeroize::Zeroizing;

use crate::secret::Passphrase;
use crate::{Error, Result};

/// PBKDF2-HMAC-SHA256 iterations for CA keys (the OWASP 2023 figure for PBKDF2-SHA256).
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// Debug builds only: lowers the PBKDF2 cost of new CA keys so crash tests that run the ceremony
/// hundreds of times stay fast. Release builds ignore it.
pub const ENV_TEST_PBKDF2_ITERATIONS: &str = "PKI_BOOTSTRAP_TEST_PBKDF2_ITERATIONS";

/// The PBKDF2 cost for new CA keys: [`PBKDF2_ITERATIONS`], except in a debug build with
/// [`ENV_TEST_PBKDF2_ITERATIONS`] set.
pub fn pbkdf2_iterations() -> u32 {
    if cfg!(debug_assertions)
        && let Some(n) = std::env::var(ENV_TEST_PBKDF2_ITERATIONS)
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|n| *n >= 1)
    {
        return n;
    }
    PBKDF2_ITERATIONS
}

/// A key algorithm and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub enum KeyType {
    /// NIST P-256 with ECDSA-SHA256 (default for servers).
    #[serde(rename = "p256")]
    P256,
    /// NIST P-384 with ECDSA-SHA384 (default for CAs).
    #[serde(rename = "p384")]
    P384,
    /// Ed25519.
    #[serde(rename = "ed25519")]
    Ed25519,
    /// RSA 2048 with SHA-256.
    #[serde(rename = "rsa2048")]
    Rsa2048,
    /// RSA 3072 with SHA-256.
    #[serde(rename = "rsa3072")]
    Rsa3072,
    /// RSA 4096 with SHA-256.
    #[serde(rename = "rsa4096")]
    Rsa4096,
}

impl KeyType {
    /// Every supported type, in the order help text lists them.
    pub const ALL: [Self; 6] = [
        Self::P256,
        Self::P384,
        Self::Ed25519,
        Self::Rsa2048,
        Self::Rsa3072,
        Self::Rsa4096,
    ];

    /// The name used on the command line and in the ceremony file.
    pub fn name(self) -> &'static str {
        match self {
            Self::P256 => "p256",
            Self::P384 => "p384",
            Self::Ed25519 => "ed25519",
            Self::Rsa2048 => "rsa2048",
            Self::Rsa3072 => "rsa3072",
            Self::Rsa4096 => "rsa4096",
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|k| k.name()).collect();
                format!("unknown key type `{s}` (one of {})", names.join(", "))
            })
    }
}

/// An unencrypted private key in PKCS#8 DER, wiped on drop.
pub struct PrivateKey {
    pkcs8: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey([redacted])")
    }
}

impl PrivateKey {
    /// Generates a new key with OpenSSL. (rcgen's generator writes PKCS#8 v2, which OpenSSL 3.0
    /// cannot read back; OpenSSL writes v1, which both read.)
    pub fn generate(kind: KeyType) -> Result<Self> {
        let ctx = format!("generating a {kind} key");
        let ec = |nid: Nid| {
            EcGroup::from_curve_name(nid)
                .and_then(|g| EcKey::generate(&g))
                .and_then(PKey::from_ec_key)
        };
        let rsa = |bits: u32| Rsa::generate(bits).and_then(PKey::from_rsa);
        let pkey = match kind {
            KeyType::P256 => ec(Nid::X9_62_PRIME256V1),
            KeyType::P384 => ec(Nid::SECP384R1),
            KeyType::Ed25519 => PKey::generate_ed25519(),
            KeyType::Rsa2048 => rsa(2048),
            KeyType::Rsa3072 => rsa(3072),
            KeyType::Rsa4096 => rsa(4096),
        }
        .map_err(Error::ssl(ctx))?;
        Self::from_openssl(&pkey)
    }

    /// Takes a key OpenSSL holds.
    pub fn from_openssl(pkey: &PKey<Private>) -> Result<Self> {
        let der = pkey
            .private_key_to_pkcs8()
            .map_err(Error::ssl("encoding the key as PKCS#8"))?;
        Ok(Self {
            pkcs8: Zeroizing::new(der),
        })
    }

    /// Reads a PEM key: encrypted PKCS#8 needs `passphrase`; a plaintext key is taken as is.
    /// `label` names the file in errors.
    pub fn from_pem(
        pem: &[u8],
        passphrase: Option<&Passphrase>,
        label: &std::path::Path,
    ) -> Result<Self> {
        let encrypted = pem
            .windows(b"ENCRYPTED PRIVATE KEY".len())
            .any(|w| w == b"ENCRYPTED PRIVATE KEY");
        let pkey = if encrypted {
            let Some(pass) = passphrase else {
                return Err(Error::Passphrase(format!(
                    "{} is encrypted and no passphrase was given",
                    label.display()
                )));
            };
            PKey::private_key_from_pem_passphrase(pem, pass.as_bytes())
                .map_err(|_| Error::WrongPassphrase(label.to_path_buf()))?
        } else {
            PKey::private_key_from_pem(pem).map_err(Error::ssl(format!(
                "reading private key {}",
                label.display()
            )))?
        };
        Self::from_openssl(&pkey)
    }

    /// The key as an rcgen signing key (RSA keys sign with SHA-256).
    pub fn key_pair(&self) -> Result<KeyPair> {
        KeyPair::try_from(self.pkcs8.as_slice())
            .map_err(Error::rcgen("loading the key for signing"))
    }

    /// The key as an OpenSSL key.
    pub fn openssl(&self) -> Result<PKey<Private>> {
        PKey::private_key_from_pkcs8(&self.pkcs8).map_err(Error::ssl("loading the key"))
    }

    /// Which of our key types this is, if any.
    pub fn kind(&self) -> Result<Option<KeyType>> {
        let pkey = self.openssl()?;
        Ok(match pkey.id() {
            Id::ED25519 => Some(KeyType::Ed25519),
            Id::RSA => match pkey.bits() {
                2048 => Some(KeyType::Rsa2048),
                3072 => Some(KeyType::Rsa3072),
                4096 => Some(KeyType::Rsa4096),
                _ => None,
            },
            Id::EC => match pkey.bits() {
                256 => Some(KeyType::P256),
                384 => Some(KeyType::P384),
                _ => None,
            },
            _ => None,
        })
    }

    /// Plaintext PKCS#8 PEM (for server keys the listener must read at start-up).
    pub fn to_plain_pem(&self) -> Result<Zeroizing<Vec<u8>>> {
        let pkey = self.openssl()?;
        Ok(Zeroizing::new(
            pkey.private_key_to_pem_pkcs8()
                .map_err(Error::ssl("encoding the key as PEM"))?,
        ))
    }

    /// Encrypted PKCS#8 PEM: PBES2, PBKDF2-HMAC-SHA256 with `iterations`, AES-256-CBC, random
    /// 16-byte salt and IV.
    pub fn to_encrypted_pem(&self, passphrase: &Passphrase, iterations: u32) -> Result<Vec<u8>> {
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        openssl::rand::rand_bytes(&mut salt).map_err(Error::ssl("drawing a salt"))?;
        openssl::rand::rand_bytes(&mut iv).map_err(Error::ssl("drawing an IV"))?;
        let params = pbes2::Parameters::pbkdf2_sha256_aes256cbc(iterations, &salt, &iv)
            .map_err(|e| Error::Invalid(format!("PBES2 parameters: {e}")))?;
        // The KDF and cipher run in OpenSSL (constant speed whatever the build profile); the
        // pkcs8 crate only encodes the PBES2 structure around them.
        let mut kek = Zeroizing::new([0u8; 32]);
        openssl::pkcs5::pbkdf2_hmac(
            passphrase.as_bytes(),
            &salt,
            usize::try_from(iterations).unwrap_or(usize::MAX),
            openssl::hash::MessageDigest::sha256(),
            kek.as_mut_slice(),
        )
        .map_err(Error::ssl("deriving the key-encryption key"))?;
        let ciphertext = openssl::symm::encrypt(
            openssl::symm::Cipher::aes_256_cbc(),
            kek.as_slice(),
            Some(&iv),
            &self.pkcs8,
        )
        .map_err(Error::ssl("encrypting the key"))?;
        let info = pkcs8::EncryptedPrivateKeyInfo {
            encryption_algorithm: params.into(),
            encrypted_data: &ciphertext,
        };
        debug_assert_eq!(
            pkcs8::EncryptedPrivateKeyInfo::PEM_LABEL,
            "ENCRYPTED PRIVATE KEY"
        );
        let pem = info
            .to_pem(LineEnding::LF)
            .map_err(|e| Error::Invalid(format!("encoding the encrypted key: {e}")))?;
        Ok(pem.into_bytes())
    }

    /// DER SubjectPublicKeyInfo of this key.
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        self.openssl()?
            .public_key_to_der()
            .map_err(Error::ssl("encoding the public key"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_generates_and_round_trips_encrypted() {
        let pass = Passphrase::new("a test passphrase");
        for kind in KeyType::ALL {
            let key = PrivateKey::generate(kind).unwrap();
            assert_eq!(key.kind().unwrap(), Some(kind));
            key.key_pair().unwrap();
            let pem = key.to_encrypted_pem(&pass, 1000).unwrap();
            let path = std::path::Path::new("k.pem");
            let back = PrivateKey::from_pem(&pem, Some(&pass), path).unwrap();
            assert_eq!(
                back.public_key_der().unwrap(),
                key.public_key_der().unwrap()
            );
            let wrong = PrivateKey::from_pem(&pem, Some(&Passphrase::new("not it at all")), path);
            assert!(matches!(wrong, Err(Error::WrongPassphrase(_))));
        }
    }

    #[test]
    fn debug_is_redacted() {
        let key = PrivateKey::generate(KeyType::P256).unwrap();
        assert_eq!(format!("{key:?}"), "PrivateKey([redacted])");
    }
}
