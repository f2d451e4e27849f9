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
  description = "Mount path of the AppRole auth method for spec.vault.auth.appRole.path (null with Kubernetes auth)."
  value       = local.approle ? vaultpki_approle_role.this[0].mount : null
}

output "role_id" {
  description = "AppRole role ID for spec.vault.auth.appRole.roleId (null with Kubernetes auth)."
  value       = local.approle ? vaultpki_approle_role.this[0].role_id : null
}

output "secret_id" {
  description = "AppRole secret ID, to store in the Secret spec.vault.auth.appRole.secretRef names (null with Kubernetes auth)."
  value       = local.approle ? vaultpki_approle_secret_id.this[0].secret_id : null
  sensitive   = true
}

output "kubernetes_role" {
  description = "Kubernetes auth role for spec.vault.auth.kubernetes.role (null with AppRole)."
  value       = local.kubernetes ? vaultpki_kubernetes_auth_backend_role.this[0].role_name : null
}

output "kubernetes_mount_path" {
  description = "spec.vault.auth.kubernetes.mountPath, \"/v1/auth/<kubernetes_mount>\" (null with AppRole)."
  value       = local.kubernetes ? "/v1/auth/${vaultpki_kubernetes_auth_backend_role.this[0].mount}" : null
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
  description = "The ClusterIssuer as YAML for kubectl apply: with AppRole, also the Secret holding the secret ID (sensitive for that reason); with Kubernetes auth, the ServiceAccount cert-manager logs in as and the RBAC that lets cert-manager request its tokens."
  sensitive   = true
  value = templatefile("${path.module}/templates/cluster-issuer.yaml.tftpl", {
    issuer_name      = var.issuer_name
    secret_name      = local.secret_name
    secret_namespace = var.secret_namespace
    secret_id        = local.approle ? vaultpki_approle_secret_id.this[0].secret_id : null
    server           = var.vault_addr
    path             = local.sign_path
    ca_bundle        = var.vault_ca_bundle
    auth_method      = var.auth_method
    approle_path     = local.approle ? vaultpki_approle_role.this[0].mount : null
    role_id          = local.approle ? vaultpki_approle_role.this[0].role_id : null
    kubernetes_role  = local.kubernetes ? vaultpki_kubernetes_auth_backend_role.this[0].role_name : null
    kubernetes_path  = "/v1/auth/${var.kubernetes_mount}"
    service_account  = var.kubernetes_service_account
  })
}
