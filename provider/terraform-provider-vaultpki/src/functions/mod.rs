//! Provider functions (`provider::vaultpki::<name>`): pure computations on PEM text that run in
//! any plan, with no provider configuration and no server. They let a configuration check what
//! it is about to hand over (a certificate's names and lifetime, whether a chain really links a
//! leaf to its root) before anything is applied.

use tfplugin::{AnyFunction, Function, Signature};

mod certificate_chain_valid;
mod certificate_info;
mod pem;

pub(crate) use certificate_info::describe_pem;
#[cfg(test)]
mod test_certs;

/// Every provider function.
pub(crate) fn all() -> Vec<AnyFunction> {
    vec![
        AnyFunction::new(certificate_info::CertificateInfo),
        AnyFunction::new(certificate_chain_valid::CertificateChainValid),
    ]
}

/// Every function's name and signature, for the documentation (tfplugin's `AnyFunction` does
/// not expose them). A unit test keeps this list and [`all`] in step.
pub(crate) fn catalog() -> Vec<(String, Signature)> {
    fn entry<F: Function>(f: &F) -> (String, Signature) {
        (f.name().to_owned(), f.signature())
    }
    vec![
        entry(&certificate_info::CertificateInfo),
        entry(&certificate_chain_valid::CertificateChainValid),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_is_registered_once() {
        let names: Vec<String> = all().iter().map(|f| format!("{f:?}")).collect();
        assert_eq!(
            names,
            [
                "AnyFunction(certificate_info)",
                "AnyFunction(certificate_chain_valid)"
            ]
        );
        let listed: Vec<String> = catalog()
            .iter()
            .map(|(n, _)| format!("AnyFunction({n})"))
            .collect();
        assert_eq!(names, listed);
    }
}
