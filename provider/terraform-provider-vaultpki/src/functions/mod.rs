//! Provider functions (`provider::vaultpki::<name>`): pure computations on PEM text that run in
//! any plan, with no provider configuration and no server. They let a configuration check what
//! it is about to hand over (a certificate's names and lifetime, whether a chain really links a
//! leaf to its root) before anything is applied.

use tfplugin::AnyFunction;

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
    }
}
