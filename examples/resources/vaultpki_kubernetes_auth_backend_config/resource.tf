resource "vaultpki_auth_backend" "kubernetes" {
  path = "kubernetes"
  type = "kubernetes"
}

# OpenBao runs outside the cluster: name the API server and trust its CA. The reviewer JWT is
# write-only (never in the plan or the state); bump the version to send a new one.
resource "vaultpki_kubernetes_auth_backend_config" "cluster" {
  mount                         = vaultpki_auth_backend.kubernetes.path
  kubernetes_host               = "https://kubernetes.example.internal:6443"
  kubernetes_ca_cert            = file("${path.module}/cluster-ca.pem")
  disable_local_ca_jwt          = true
  token_reviewer_jwt_wo         = var.token_reviewer_jwt
  token_reviewer_jwt_wo_version = 1
}

variable "token_reviewer_jwt" {
  type      = string
  sensitive = true
  ephemeral = true
}
