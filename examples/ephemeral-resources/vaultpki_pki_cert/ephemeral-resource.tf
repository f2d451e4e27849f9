# A short-lived client certificate that exists only for this run: the private key never reaches
# the plan or the state, and the certificate is revoked when the run ends.
ephemeral "vaultpki_pki_cert" "deploy" {
  mount           = vaultpki_mount.pki_int.path
  role            = vaultpki_pki_role.web.name
  common_name     = "deploy.svc.example.internal"
  ttl             = "15m"
  revoke_on_close = true
}

# Ephemeral values may go to write-only attributes, provider configurations and provisioners.
resource "terraform_data" "deploy" {
  provisioner "local-exec" {
    command = "./deploy.sh"
    environment = {
      TLS_CERT = ephemeral.vaultpki_pki_cert.deploy.certificate
      TLS_KEY  = ephemeral.vaultpki_pki_cert.deploy.private_key
    }
  }
}
