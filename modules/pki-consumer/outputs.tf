output "server" {
  description = "The server address for the ClusterIssuer's spec.vault.server."
  value       = var.vault_addr
}

output "path" {
  description = "The signing path for spec.vault.path, \"<mount>/sign/<role>\"."
  value       = local.sign_path
}

output "role_name" {
  description = "Name of the PKI role."
  value       = vaultpki_pki_role.this.name
}

output "policy_name" {
  description = "Name of the least-privilege policy."
  value       = vaultpki_policy.this.name
}

output "approle_path" {
  description = "Mount path of the AppRole auth method for spec.vault.auth.appRole.path."
  value       = vaultpki_approle_role.this.mount
}

output "role_id" {
  description = "AppRole role ID for spec.vault.auth.appRole.roleId."
  value       = vaultpki_approle_role.this.role_id
}

output "secret_id" {
  description = "AppRole secret ID, to store in the Secret spec.vault.auth.appRole.secretRef names."
  value       = vaultpki_approle_secret_id.this.secret_id
  sensitive   = true
}

output "ca_bundle" {
  description = "PEM CA bundle verifying the server's TLS certificate (spec.vault.caBundle, base64-encoded there); null when not given."
  value       = var.vault_ca_bundle
}

output "issuing_ca_chain" {
  description = "PEM chain of the mount's default issuer, the issuer first, for clients that trust the issued certificates."
  value       = join("", data.vaultpki_pki_issuer.default.ca_chain)
}

output "cluster_issuer_manifest" {
  description = "A ClusterIssuer and the Secret holding the secret ID, as YAML for kubectl apply. Sensitive: it holds the secret ID."
  sensitive   = true
  value = templatefile("${path.module}/templates/cluster-issuer.yaml.tftpl", {
    issuer_name      = var.issuer_name
    secret_name      = local.secret_name
    secret_namespace = var.secret_namespace
    secret_id        = vaultpki_approle_secret_id.this.secret_id
    server           = var.vault_addr
    path             = local.sign_path
    ca_bundle        = var.vault_ca_bundle
    approle_path     = vaultpki_approle_role.this.mount
    role_id          = vaultpki_approle_role.this.role_id
  })
}
