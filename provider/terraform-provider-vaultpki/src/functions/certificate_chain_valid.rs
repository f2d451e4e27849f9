//! `provider::vaultpki::certificate_chain_valid(leaf_pem, chain_pem)`: whether the leaf verifies
//! up to a root in the chain bundle, with OpenSSL's path validation (signatures, validity dates
//! at the time of the call, CA flags and path lengths). The self-signed certificates in the
//! bundle are the trust anchors and the others are intermediates; a bundle without a self-signed
//! certificate is anchored at its last certificate, so an issuing CA alone can be checked.
//!
//! Unreadable input is an error (a typo must not read as "invalid chain"); a readable chain that
//! does not verify is `false`.

use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509, X509StoreContext};
use tfplugin::{Function, FunctionError, Parameter, Signature, Type, Value};

use super::pem;

/// The function.
pub(crate) struct CertificateChainValid;

impl Function for CertificateChainValid {
    fn name(&self) -> &str {
        "certificate_chain_valid"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![
                Parameter::new("leaf_pem", Type::String, "The PEM certificate to verify."),
                Parameter::new(
                    "chain_pem",
                    Type::String,
                    "PEM bundle of the issuing CA, any intermediates, and the root.",
                ),
            ],
            variadic: None,
            returns: Type::Bool,
            summary: "Whether a certificate verifies against a CA chain.".to_owned(),
            description: "Returns true when `leaf_pem` verifies up to a trust anchor in `chain_pem`: signatures, validity dates (now), CA flags and path lengths. Self-signed certificates in `chain_pem` are the trust anchors and the rest are intermediates; a bundle without a self-signed certificate is anchored at its last certificate. Input that is not PEM certificates is an error. Works in plans with no server.".to_owned(),
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        let leaf = parse(&pem::certificates(pem::string_arg(&args, 0)?, 0)?, 0)?;
        let chain = parse(&pem::certificates(pem::string_arg(&args, 1)?, 1)?, 1)?;
        let Some(leaf) = leaf.into_iter().next() else {
            return Err(FunctionError::argument(0, "No certificate found."));
        };
        verify(&leaf, &chain)
            .map(Value::from)
            .map_err(|e| FunctionError {
                text: format!("OpenSSL could not run the verification: {e}."),
                argument: None,
            })
    }
}

fn parse(ders: &[Vec<u8>], index: i64) -> Result<Vec<X509>, FunctionError> {
    ders.iter()
        .enumerate()
        .map(|(n, der)| {
            X509::from_der(der).map_err(|e| {
                FunctionError::argument(
                    index,
                    format!("Certificate {} cannot be parsed: {e}.", n + 1),
                )
            })
        })
        .collect()
}

/// Whether `leaf` verifies against `chain` (see the module documentation for the anchors).
fn verify(leaf: &X509, chain: &[X509]) -> Result<bool, openssl::error::ErrorStack> {
    let self_signed = |c: &X509| {
        c.subject_name().try_cmp(c.issuer_name()).ok() == Some(std::cmp::Ordering::Equal)
            && c.public_key().and_then(|k| c.verify(&k)).unwrap_or(false)
    };
    let mut store = X509StoreBuilder::new()?;
    let mut untrusted = Stack::new()?;
    let anchors: Vec<&X509> = chain.iter().filter(|c| self_signed(c)).collect();
    if anchors.is_empty() {
        // No root given: trust the last certificate of the bundle as the anchor.
        let Some((last, rest)) = chain.split_last() else {
            return Ok(false);
        };
        store.add_cert(last.clone())?;
        store.set_flags(X509VerifyFlags::PARTIAL_CHAIN)?;
        for c in rest {
            untrusted.push(c.clone())?;
        }
    } else {
        for c in chain {
            if self_signed(c) {
                store.add_cert(c.clone())?;
            } else {
                untrusted.push(c.clone())?;
            }
        }
    }
    let store = store.build();
    let mut ctx = X509StoreContext::new()?;
    ctx.init(&store, leaf, &untrusted, |c| c.verify_cert())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::test_certs::Pki;

    fn valid(leaf: &str, chain: &str) -> bool {
        CertificateChainValid
            .call(vec![Value::from(leaf), Value::from(chain)])
            .unwrap()
            .as_bool()
            .unwrap()
    }

    #[test]
    fn a_leaf_verifies_through_its_intermediate_to_the_root() {
        let pki = Pki::new();
        let chain = format!("{}{}", pki.intermediate_pem, pki.root_pem);
        assert!(valid(&pki.leaf_pem, &chain));
        // Order in the bundle does not matter.
        let reversed = format!("{}{}", pki.root_pem, pki.intermediate_pem);
        assert!(valid(&pki.leaf_pem, &reversed));
        // The issuing CA alone is an anchor.
        assert!(valid(&pki.leaf_pem, &pki.intermediate_pem));
    }

    #[test]
    fn a_missing_link_or_another_root_is_false() {
        let pki = Pki::new();
        let other = Pki::new();
        // Root without the intermediate: the path cannot be built.
        assert!(!valid(&pki.leaf_pem, &pki.root_pem));
        // Same names, other keys: the signatures do not match.
        let chain = format!("{}{}", other.intermediate_pem, other.root_pem);
        assert!(!valid(&pki.leaf_pem, &chain));
        // A leaf is not a CA, so nothing verifies through it.
        assert!(!valid(&pki.intermediate_pem, &pki.leaf_pem));
    }

    #[test]
    fn an_expired_leaf_is_false() {
        let pki = Pki::new();
        let chain = format!("{}{}", pki.intermediate_pem, pki.root_pem);
        assert!(!valid(&pki.expired_leaf_pem, &chain));
    }

    #[test]
    fn unreadable_input_blames_the_argument() {
        let pki = Pki::new();
        let err = CertificateChainValid
            .call(vec![
                Value::from(pki.leaf_pem.as_str()),
                Value::from("nope"),
            ])
            .unwrap_err();
        assert_eq!(err.argument, Some(1));
        let err = CertificateChainValid
            .call(vec![Value::from(""), Value::from(pki.root_pem.as_str())])
            .unwrap_err();
        assert_eq!(err.argument, Some(0));
    }
}
