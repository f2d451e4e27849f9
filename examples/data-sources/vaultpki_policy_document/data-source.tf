data "vaultpki_policy_document" "issuer" {
  rule {
    path         = "pki-int/issue/web"
    capabilities = ["create", "update"]
  }
  rule {
    path         = "pki-int/cert/*"
    capabilities = ["read"]
  }
}

output "policy_hcl" {
  value = data.vaultpki_policy_document.issuer.hcl
}
