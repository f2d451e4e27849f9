data "vaultpki_policy_document" "cert_manager" {
  rule {
    path         = "pki-int/sign/web"
    capabilities = ["create", "update"]
    description  = "cert-manager signs CSRs for the web role"
  }
}

resource "vaultpki_policy" "cert_manager" {
  name   = "cert-manager"
  policy = data.vaultpki_policy_document.cert_manager.hcl
}
