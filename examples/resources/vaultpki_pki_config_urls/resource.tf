resource "vaultpki_pki_config_urls" "int" {
  mount                   = vaultpki_mount.pki_int.path
  issuing_certificates    = ["https://pki.example.internal/v1/pki-int/ca"]
  crl_distribution_points = ["https://pki.example.internal/v1/pki-int/crl"]
  ocsp_servers            = ["https://ocsp.example.internal"]
}
