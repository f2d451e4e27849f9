resource "terraform_data" "check_chain" {
  lifecycle {
    precondition {
      condition = provider::vaultpki::certificate_chain_valid(
        vaultpki_pki_cert.web.certificate,
        join("", vaultpki_pki_cert.web.ca_chain),
      )
      error_message = "The issued certificate does not verify against its CA chain."
    }
  }
}
