output "mount_path" {
  description = "Path of the PKI mount."
  value       = vaultpki_mount.this.path
}

output "csr" {
  description = "The intermediate CSR (PEM) to carry to the offline root."
  value       = vaultpki_pki_intermediate_csr.this.csr
}

output "key_id" {
  description = "ID of the intermediate's key in the mount."
  value       = vaultpki_pki_intermediate_csr.this.key_id
}

output "issuer_id" {
  description = "ID of the intermediate's issuer, the mount's default; null until signed_certificate is set."
  value       = local.signed ? vaultpki_pki_config_issuers.this[0].default : null
}

output "signed" {
  description = "Whether the signed certificate has been imported (phase 2 done)."
  value       = local.signed
}
