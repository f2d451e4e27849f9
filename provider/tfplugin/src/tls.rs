//! AutoMTLS as go-plugin does it: a fresh self-signed server certificate per start (the host
//! pins it from the handshake line), and the host's own self-signed client certificate, given in
//! `PLUGIN_CLIENT_CERT`, pinned by its exact DER.
//!
//! The pinning verifier exists because the host's certificate is a self-signed CA (CA:TRUE) used
//! as an end entity, which webpki-based verifiers (and so tonic's `ServerTlsConfig`) reject.
//! Equality of DER plus the handshake signature check is what Go's `RequireAndVerifyClientCert`
//! with a one-certificate pool amounts to.

use std::sync::Arc;

use ring::agreement;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{
    ActiveKeyExchange, CryptoProvider, GetRandomFailed, SharedSecret, SupportedKxGroup,
    WebPkiSupportedAlgorithms,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::sign::{CertifiedKey, Signer, SingleCertAndKey};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, NamedGroup, ServerConfig,
    SignatureScheme,
};

/// A server TLS configuration and the DER of the certificate it presents.
pub(crate) struct AutoMtls {
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) server_cert: CertificateDer<'static>,
}

/// Builds the AutoMTLS server configuration for the host certificate `client_cert_pem`.
///
/// Where the randomness comes from, and why: aws-lc (the workspace's crypto library) seeds its
/// generator from CPU jitter the first time a process asks it for random bytes, which costs
/// 35-120 ms of CPU here. A provider process is started 3-5 times per Terraform command and
/// needs randomness right away for this key, its certificate signature and the TLS handshake,
/// so that seeding was most of every start. Everything random on this path therefore comes from
/// ring, which reads the kernel's generator (`getrandom`) directly: the key pair and its
/// signatures (ECDSA P-256, certificate and handshake), the ECDHE key shares (X25519, P-256) and
/// the handshake's random values. The key lives only as long as the process, never leaves it,
/// and Terraform pins the certificate from the handshake line, so the kernel's generator (the
/// one ring and aws-lc's own fallback both rely on) is as good a source as any for it. aws-lc
/// still does what needs no randomness here (the record ciphers and checking the host's
/// signature), and every other key in the workspace (CA keys from pki-bootstrap, the client's
/// TLS) keeps its own generator.
pub(crate) fn auto_mtls(client_cert_pem: &str) -> Result<AutoMtls, TlsError> {
    let client_cert = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
        .map_err(|e| TlsError(format!("PLUGIN_CLIENT_CERT is not a PEM certificate: {e}")))?;
    let key = P256Key::generate()?;
    let server_cert = self_signed(&key)?;
    let provider = Arc::new(CryptoProvider {
        kx_groups: vec![&X25519, &P256],
        secure_random: &OsRandom,
        ..rustls::crypto::aws_lc_rs::default_provider()
    });
    let verifier = PinnedClientCert {
        expected: client_cert,
        algorithms: provider.signature_verification_algorithms,
    };
    let certified = CertifiedKey::new(vec![server_cert.clone()], Arc::new(key));
    let mut config = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(e.to_string()))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_cert_resolver(Arc::new(SingleCertAndKey::from(certified)));
    // gRPC-Go refuses servers that do not negotiate HTTP/2 by ALPN.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(AutoMtls {
        config: Arc::new(config),
        server_cert,
    })
}

/// Why AutoMTLS could not be set up (serving wraps it into its own error).
#[derive(Debug)]
pub(crate) struct TlsError(pub(crate) String);

/// A self-signed certificate for `localhost` (the name go-plugin hosts verify), shaped like the
/// one go-plugin makes: a CA, for both server and client authentication.
fn self_signed(key: &P256Key) -> Result<CertificateDer<'static>, TlsError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose,
    };
    let tls_err = |e: rcgen::Error| TlsError(format!("generating the server certificate: {e}"));
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).map_err(tls_err)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.self_signed(key).map_err(tls_err)?;
    Ok(cert.der().clone())
}

/// The ephemeral ECDSA P-256 key, held by ring (see [`auto_mtls`] for why), usable by rcgen to
/// sign the certificate and by rustls to sign the handshake.
#[derive(Clone, Debug)]
struct P256Key(Arc<EcdsaKeyPair>);

impl P256Key {
    fn generate() -> Result<Self, TlsError> {
        let rng = SystemRandom::new();
        let fail = |what: &str| TlsError(format!("generating the server key: {what}"));
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| fail("no random bytes from the system"))?;
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .map(|k| Self(Arc::new(k)))
            .map_err(|e| fail(&e.to_string()))
    }

    fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        self.0
            .sign(&SystemRandom::new(), message)
            .ok()
            .map(|s| s.as_ref().to_vec())
    }
}

impl rcgen::PublicKeyData for P256Key {
    fn der_bytes(&self) -> &[u8] {
        self.0.public_key().as_ref()
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for P256Key {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Self::sign(self, msg).ok_or(rcgen::Error::RemoteKeyError)
    }
}

impl rustls::sign::SigningKey for P256Key {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered
            .contains(&SignatureScheme::ECDSA_NISTP256_SHA256)
            .then(|| Box::new(self.clone()) as Box<dyn Signer>)
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        rustls::SignatureAlgorithm::ECDSA
    }
}

impl Signer for P256Key {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        Self::sign(self, message).ok_or_else(|| Error::General("ECDSA signing failed".into()))
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ECDSA_NISTP256_SHA256
    }
}

/// The handshake's random values, from the kernel through ring.
#[derive(Debug)]
struct OsRandom;

impl rustls::crypto::SecureRandom for OsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        ring::rand::SecureRandom::fill(&SystemRandom::new(), buf).map_err(|_| GetRandomFailed)
    }
}

/// An ECDHE group whose ephemeral keys ring generates.
#[derive(Debug)]
struct RingKx {
    algorithm: &'static agreement::Algorithm,
    name: NamedGroup,
}

static X25519: RingKx = RingKx {
    algorithm: &agreement::X25519,
    name: NamedGroup::X25519,
};

static P256: RingKx = RingKx {
    algorithm: &agreement::ECDH_P256,
    name: NamedGroup::secp256r1,
};

impl SupportedKxGroup for RingKx {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let key = agreement::EphemeralPrivateKey::generate(self.algorithm, &SystemRandom::new())
            .map_err(|_| Error::FailedToGetRandomBytes)?;
        let public = key
            .compute_public_key()
            .map_err(|_| Error::General("computing an ECDHE public key failed".into()))?
            .as_ref()
            .to_vec();
        Ok(Box::new(RingExchange {
            key,
            public,
            algorithm: self.algorithm,
            name: self.name,
        }))
    }

    fn name(&self) -> NamedGroup {
        self.name
    }
}

struct RingExchange {
    key: agreement::EphemeralPrivateKey,
    public: Vec<u8>,
    algorithm: &'static agreement::Algorithm,
    name: NamedGroup,
}

impl ActiveKeyExchange for RingExchange {
    fn complete(self: Box<Self>, peer_pub_key: &[u8]) -> Result<SharedSecret, Error> {
        let peer = agreement::UnparsedPublicKey::new(self.algorithm, peer_pub_key);
        agreement::agree_ephemeral(self.key, &peer, |secret: &[u8]| SharedSecret::from(secret))
            .map_err(|_| Error::PeerMisbehaved(rustls::PeerMisbehaved::InvalidKeyShare))
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn group(&self) -> NamedGroup {
        self.name
    }
}

/// Accepts exactly one client certificate, by DER, and checks the handshake signature with it.
#[derive(Debug)]
struct PinnedClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::danger::{ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::ServerName;
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A go-plugin-like host certificate: self-signed CA, P-521 (what go-plugin generates).
    fn host_cert() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (cert.pem(), cert.der().clone(), key_der)
    }

    /// The host side pins the server certificate from the handshake line, as go-plugin does.
    #[derive(Debug)]
    struct PinnedServer(CertificateDer<'static>, WebPkiSupportedAlgorithms);

    impl ServerCertVerifier for PinnedServer {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            assert_eq!(end_entity.as_ref(), self.0.as_ref());
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls12_signature(m, c, d, &self.1)
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls13_signature(m, c, d, &self.1)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.1.supported_schemes()
        }
    }

    /// Connects with `client_auth` (or none); returns whether the server accepted, and the ALPN
    /// protocol it chose.
    async fn connect(
        server: &AutoMtls,
        client_auth: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>,
    ) -> (bool, Option<Vec<u8>>) {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedServer(
                server.server_cert.clone(),
                provider.signature_verification_algorithms,
            )));
        let mut config = match client_auth {
            Some((cert, key)) => builder.with_client_auth_cert(vec![cert], key).unwrap(),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"h2".to_vec()];
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(server.config.clone());
        let server_side = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            match acceptor.accept(tcp).await {
                Ok(mut tls) => {
                    let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                    let mut buf = [0u8; 4];
                    let ok = tls.read_exact(&mut buf).await.is_ok() && &buf == b"ping";
                    (ok, alpn)
                }
                Err(_) => (false, None),
            }
        });
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        if let Ok(mut tls) = connector
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
        {
            let _ = tls.write_all(b"ping").await;
            let _ = tls.flush().await;
        }
        server_side.await.unwrap()
    }

    #[tokio::test]
    async fn pinned_host_certificate_is_accepted_with_h2() {
        let (pem, cert, key) = host_cert();
        let server = auto_mtls(&pem).unwrap();
        assert_eq!(
            connect(&server, Some((cert, key))).await,
            (true, Some(b"h2".to_vec()))
        );
    }

    #[tokio::test]
    async fn other_or_missing_client_certificates_are_refused() {
        let (pem, _, _) = host_cert();
        let (_, other_cert, other_key) = host_cert();
        let server = auto_mtls(&pem).unwrap();
        assert!(!connect(&server, Some((other_cert, other_key))).await.0);
        assert!(!connect(&server, None).await.0);
    }

    #[test]
    fn server_certificate_is_fresh_and_for_localhost() {
        let (pem, _, _) = host_cert();
        let a = auto_mtls(&pem).unwrap();
        let b = auto_mtls(&pem).unwrap();
        assert_ne!(a.server_cert.as_ref(), b.server_cert.as_ref());
        let (_, parsed) = x509_parser::parse_x509_certificate(a.server_cert.as_ref()).unwrap();
        let san = parsed.subject_alternative_name().unwrap().unwrap();
        assert_eq!(
            format!("{:?}", san.value.general_names),
            r#"[DNSName("localhost")]"#
        );
        assert!(auto_mtls("not a pem").is_err());
    }
}
