//! AutoMTLS as go-plugin does it: a fresh self-signed server certificate per start (the host
//! pins it from the handshake line), and the host's own self-signed client certificate, given in
//! `PLUGIN_CLIENT_CERT`, pinned by its exact DER.
//!
//! The pinning verifier exists because the host's certificate is a self-signed CA (CA:TRUE) used
//! as an end entity, which webpki-based verifiers (and so tonic's `ServerTlsConfig`) reject.
//! Equality of DER plus the handshake signature check is what Go's `RequireAndVerifyClientCert`
//! with a one-certificate pool amounts to.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, ServerConfig,
    SignatureScheme,
};

use crate::serve::ServeError;

/// A server TLS configuration and the DER of the certificate it presents.
pub(crate) struct AutoMtls {
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) server_cert: CertificateDer<'static>,
}

/// Builds the AutoMTLS server configuration for the host certificate `client_cert_pem`.
pub(crate) fn auto_mtls(client_cert_pem: &str) -> Result<AutoMtls, ServeError> {
    let client_cert = CertificateDer::from_pem_slice(client_cert_pem.as_bytes()).map_err(|e| {
        ServeError::Tls(format!("PLUGIN_CLIENT_CERT is not a PEM certificate: {e}"))
    })?;
    let (server_cert, key) = self_signed()?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedClientCert {
        expected: client_cert,
        algorithms: provider.signature_verification_algorithms,
    };
    let mut config = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| ServeError::Tls(e.to_string()))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![server_cert.clone()], key)
        .map_err(|e| ServeError::Tls(e.to_string()))?;
    // gRPC-Go refuses servers that do not negotiate HTTP/2 by ALPN.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(AutoMtls {
        config: Arc::new(config),
        server_cert,
    })
}

/// A self-signed certificate for `localhost` (the name go-plugin hosts verify), shaped like the
/// one go-plugin makes: a CA, for both server and client authentication.
fn self_signed() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), ServeError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let tls_err =
        |e: rcgen::Error| ServeError::Tls(format!("generating the server certificate: {e}"));
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(tls_err)?;
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
    let cert = params.self_signed(&key).map_err(tls_err)?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key_der))
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
