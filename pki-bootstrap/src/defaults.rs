//! Default validity periods, in one table. The single commands (`root`, `intermediate`,
//! `server-cert`, `sign-csr`) and the ceremony file (`[[ca]]`, `[[server]]`, `[[csr]]`) all take
//! their defaults from here, so the same kind of certificate gets the same lifetime whichever way
//! it is made (a `[[csr]]` with `profile = "server"` once got five years where `sign-csr --profile
//! server` gave 397 days).

use crate::csr::Profile;

/// A self-signed root: 20 years.
pub const ROOT_DAYS: u32 = 7300;
/// An offline intermediate made by `intermediate` or a `[[ca]]` with an issuer: 10 years.
pub const INTERMEDIATE_DAYS: u32 = 3650;
/// A TLS certificate (`server-cert`, `[[server]]`, the server and client CSR profiles): 397
/// days, the longest lifetime browsers accept for a server certificate.
pub const LEAF_DAYS: u32 = 397;
/// A CA signed from a CSR (e.g. a PKI mount's intermediate): 5 years.
pub const CSR_INTERMEDIATE_DAYS: u32 = 1825;

impl Profile {
    /// The validity a CSR signed under this profile gets when no days are given.
    pub const fn default_days(self) -> u32 {
        match self {
            Self::Intermediate => CSR_INTERMEDIATE_DAYS,
            Self::Server | Self::Client => LEAF_DAYS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_profiles_match_server_cert() {
        assert_eq!(Profile::Server.default_days(), LEAF_DAYS);
        assert_eq!(Profile::Client.default_days(), LEAF_DAYS);
        assert_eq!(Profile::Intermediate.default_days(), CSR_INTERMEDIATE_DAYS);
    }

    #[test]
    fn children_are_shorter_than_their_issuers() {
        let ordered = [
            ROOT_DAYS,
            INTERMEDIATE_DAYS,
            CSR_INTERMEDIATE_DAYS,
            LEAF_DAYS,
        ];
        assert!(ordered.windows(2).all(|w| w[0] > w[1]), "{ordered:?}");
    }
}
