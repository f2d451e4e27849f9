//! The offline root CA ceremony as a library: creating a root and offline intermediates, the
//! OpenBao/Vault listener certificate, signing CSRs made inside a PKI mount under fixed profiles,
//! CRLs, and verifying all of it independently with OpenSSL. It never touches the network.
