# The quickstart's PKI as code, written with the project's modules:
#
#   - pki-intermediate: an intermediate CA mount whose key never leaves OpenBao, its CSR signed
#     offline by the ceremony's root, made the default issuer, URLs, CRL and auto-tidy set;
#   - pki-consumer: a role, a least-privilege policy and an AppRole with a secret ID for
#     cert-manager, and the ClusterIssuer manifest that uses them;
#   - acme-issuer: ACME on the same mount for Traefik-style clients, with an EAB key;
#   - snapshot-approle: the AppRole snapshot-cron logs in with;
#   - a certificate issued through the provider, and the AppRole cert-deploy issues from the
#     same role with.
#
# Two applies (scripts/quickstart runs both):
#   1. terraform apply                                  (the mount, its key and CSR)
#      terraform output -raw intermediate_csr > pki_int.csr       (carried to the offline root)
#      pki-bootstrap sign-csr --ca ceremony/root --csr pki_int.csr --profile intermediate --out pki_int.pem
#   2. TF_VAR_signed_intermediate="$(cat pki_int.pem)" terraform apply      (everything else)
#
# The provider reads VAULT_ADDR, VAULT_TOKEN and VAULT_CACERT from the environment.

terraform {
  required_version = ">= 1.11"
  required_providers {
    vaultpki = {
      source  = "vaultpki/vaultpki"
      version = "~> 0.1"
    }
  }
}

provider "vaultpki" {}

variable "vault_addr" {
  description = "The URL clients reach OpenBao at (its TLS listener): embedded in certificates, the ACME directory and cert-manager's issuer."
  type        = string
}

variable "vault_ca_bundle" {
  description = "PEM CA bundle that verifies OpenBao's TLS certificate (the ceremony's root), for cert-manager."
  type        = string
}

variable "mount_path" {
  description = "Path of the intermediate CA mount."
  type        = string
  default     = "pki-int"
}

variable "signed_intermediate" {
  description = "The intermediate certificate signed offline, with its chain up to the root (PEM). Null in the first apply."
  type        = string
  default     = null
}

variable "domain" {
  description = "Domain the roles may issue certificates under."
  type        = string
  default     = "example.test"
}

locals {
  signed = var.signed_intermediate != null
}

# The AppRole auth method both consumers (cert-manager, snapshot-cron) log in through.
resource "vaultpki_auth_backend" "approle" {
  path = "approle"
  type = "approle"
}

module "intermediate" {
  source = "../../modules/pki-intermediate"

  mount_path         = var.mount_path
  description        = "Quickstart intermediate CA, signed by the offline root"
  common_name        = "Quickstart Issuing CA"
  organization       = ["Example"]
  key_name           = "quickstart-int"
  base_url           = var.vault_addr
  signed_certificate = var.signed_intermediate
  acme_headers       = true
  # Certificates name their own issuer's CA and CRL URLs, which stay right after a rotation.
  per_issuer_urls = true
}

module "cert_manager" {
  source = "../../modules/pki-consumer"
  count  = local.signed ? 1 : 0

  pki_mount         = module.intermediate.mount_path
  role_name         = "web"
  allowed_domains   = [var.domain]
  policy_name       = "quickstart-cert-manager"
  approle_mount     = vaultpki_auth_backend.approle.path
  approle_role_name = "cert-manager"
  vault_addr        = var.vault_addr
  vault_ca_bundle   = var.vault_ca_bundle
  issuer_name       = "vaultpki-quickstart"

  depends_on = [module.intermediate]
}

module "acme" {
  source = "../../modules/acme-issuer"
  count  = local.signed ? 1 : 0

  mount_path      = module.intermediate.mount_path
  base_url        = var.vault_addr
  allowed_domains = [var.domain]
  eab_policy      = "new-account-required"
  eab_keys        = ["traefik"]

  # ACME issues from the default issuer, which the intermediate module sets.
  depends_on = [module.intermediate]
}

module "snapshots" {
  source = "../../modules/snapshot-approle"

  approle_mount    = vaultpki_auth_backend.approle.path
  role_name        = "quickstart-snapshots"
  create_secret_id = true
}

# A role of its own for certificates Terraform manages: `issue` makes the key in the server, so
# the role names the key type (the cert-manager role accepts any type, for CSRs).
resource "vaultpki_pki_role" "app" {
  count = local.signed ? 1 : 0

  mount            = module.intermediate.mount_path
  name             = "app"
  allowed_domains  = [var.domain]
  allow_subdomains = true
  max_ttl          = 2592000
  key_type         = "ec"
  key_bits         = 256

  depends_on = [module.intermediate]
}

resource "vaultpki_pki_cert" "app" {
  count = local.signed ? 1 : 0

  mount                 = module.intermediate.mount_path
  role                  = vaultpki_pki_role.app[0].name
  common_name           = "app.${var.domain}"
  ttl                   = "24h"
  auto_renew            = true
  min_seconds_remaining = 3600
  revoke                = true
}

# cert-deploy's identity on a host: `issue` on the role `app` (the server makes the key, so the
# role's key type applies) and `read` on the role, to check deployed certificates against its
# issuer; nothing else. The `default` policy stays, for revoking its own token at the end.
data "vaultpki_policy_document" "cert_deploy" {
  count = local.signed ? 1 : 0

  rule {
    path         = "${module.intermediate.mount_path}/issue/${vaultpki_pki_role.app[0].name}"
    capabilities = ["update"]
  }
  rule {
    path         = "${module.intermediate.mount_path}/roles/${vaultpki_pki_role.app[0].name}"
    capabilities = ["read"]
  }
}

resource "vaultpki_policy" "cert_deploy" {
  count = local.signed ? 1 : 0

  name   = "quickstart-cert-deploy"
  policy = data.vaultpki_policy_document.cert_deploy[0].hcl
}

resource "vaultpki_approle_role" "cert_deploy" {
  count = local.signed ? 1 : 0

  mount          = vaultpki_auth_backend.approle.path
  role_name      = "cert-deploy"
  token_policies = [vaultpki_policy.cert_deploy[0].name]
  token_ttl      = 600
  token_max_ttl  = 600
}

resource "vaultpki_approle_secret_id" "cert_deploy" {
  count = local.signed ? 1 : 0

  mount     = vaultpki_approle_role.cert_deploy[0].mount
  role_name = vaultpki_approle_role.cert_deploy[0].role_name
}

output "intermediate_csr" {
  description = "The intermediate CSR to carry to the offline root (PEM)."
  value       = module.intermediate.csr
}

output "issuer_id" {
  description = "The mount's default issuer (null before the second apply)."
  value       = module.intermediate.issuer_id
}

output "certificate" {
  description = "The certificate issued through the provider (PEM)."
  value       = one(vaultpki_pki_cert.app[*].certificate)
}

output "certificate_serial" {
  description = "Its serial number."
  value       = one(vaultpki_pki_cert.app[*].serial_number)
}

output "ca_chain" {
  description = "Its issuing chain (PEM)."
  value       = one(vaultpki_pki_cert.app[*].ca_chain)
}

output "cert_manager_role_id" {
  description = "AppRole role ID for cert-manager's Vault issuer."
  value       = one(module.cert_manager[*].role_id)
}

output "cert_manager_secret_id" {
  description = "AppRole secret ID for cert-manager's Vault issuer."
  value       = one(module.cert_manager[*].secret_id)
  sensitive   = true
}

output "cluster_issuer_manifest" {
  description = "cert-manager's ClusterIssuer and its Secret (kubectl apply -f). Holds the secret ID."
  value       = one(module.cert_manager[*].cluster_issuer_manifest)
  sensitive   = true
}

output "acme_directory_url" {
  description = "The ACME directory (Traefik caServer, lego --server)."
  value       = one(module.acme[*].directory_url)
}

output "acme_eab" {
  description = "The EAB key for Traefik: key_id and key (HMAC)."
  value       = one(module.acme[*].eab_keys)
  sensitive   = true
}

output "snapshot_role_id" {
  description = "AppRole role ID snapshot-cron logs in with."
  value       = module.snapshots.role_id
}

output "snapshot_secret_id" {
  description = "AppRole secret ID snapshot-cron logs in with."
  value       = module.snapshots.secret_id
  sensitive   = true
}

output "cert_deploy_role_id" {
  description = "AppRole role ID cert-deploy logs in with (VAULT_ROLE_ID)."
  value       = one(vaultpki_approle_role.cert_deploy[*].role_id)
}

output "cert_deploy_secret_id" {
  description = "AppRole secret ID cert-deploy logs in with (CERT_DEPLOY_SECRET_ID_FILE)."
  value       = one(vaultpki_approle_secret_id.cert_deploy[*].secret_id)
  sensitive   = true
}
