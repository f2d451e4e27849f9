# Settings of the intermediate issuer; destroying this resource leaves the issuer as it is.
resource "vaultpki_pki_issuer" "int" {
  mount                   = vaultpki_mount.pki_int.path
  issuer_ref              = vaultpki_pki_intermediate_set_signed.int.issuer_id
  issuer_name             = "int-2026"
  leaf_not_after_behavior = "truncate"
  usage                   = ["read-only", "issuing-certificates", "crl-signing", "ocsp-signing"]
  issuing_certificates    = ["https://pki.example.internal/v1/pki-int/issuer/int-2026/der"]
  crl_distribution_points = ["https://pki.example.internal/v1/pki-int/issuer/int-2026/crl/der"]
}
