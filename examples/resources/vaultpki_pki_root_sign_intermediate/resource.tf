# The root lives in "pki-root", the intermediate's key in "pki-int".
resource "vaultpki_pki_intermediate_csr" "int" {
  mount       = "pki-int"
  common_name = "Example Intermediate CA"
  key_type    = "ec"
  key_bits    = 256
}

resource "vaultpki_pki_root_sign_intermediate" "int" {
  mount           = "pki-root"
  issuer_ref      = "root-2026"
  csr             = vaultpki_pki_intermediate_csr.int.csr
  common_name     = "Example Intermediate CA"
  organization    = ["Example Corp"]
  ou              = ["Issuing"]
  ttl             = "43800h"
  max_path_length = 0
  # The intermediate may only certify names under this domain.
  permitted_dns_domains = ["svc.example.internal"]
  revoke                = true
}

resource "vaultpki_pki_intermediate_set_signed" "int" {
  mount       = "pki-int"
  certificate = "${vaultpki_pki_root_sign_intermediate.int.certificate}\n${vaultpki_pki_root_sign_intermediate.int.issuing_ca}"
}
