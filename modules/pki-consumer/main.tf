# What a consumer such as cert-manager needs from a PKI mount: one role, a policy that allows
# `sign` on that role and reading it, nothing else (`issue`, where the server makes the key, only
# when allow_issue is set), and a login whose tokens carry that policy: an AppRole with one
# secret ID (auth_method = "approle"), or a Kubernetes auth role bound to cert-manager's service
# account (auth_method = "kubernetes").
#
# The defaults admit cert-manager's own request: its Vault issuer calls `<mount>/sign/<role>`
# with a CSR for the Certificate's key (RSA-2048 when the Certificate has no privateKey block),
# `ttl` from its `duration` (90 days by default) and `exclude_cn_from_sans`.

locals {
  policy_name       = coalesce(var.policy_name, replace("${var.pki_mount}-${var.role_name}", "/", "-"))
  approle_role_name = coalesce(var.approle_role_name, var.role_name)
  approle_mount     = local.approle && var.create_approle_mount ? vaultpki_auth_backend.approle[0].path : var.approle_mount
  sign_path         = "${var.pki_mount}/sign/${vaultpki_pki_role.this.name}"
  secret_name       = "${var.issuer_name}-approle"
  approle           = var.auth_method == "approle"
  kubernetes        = var.auth_method == "kubernetes"
  kubernetes_role   = coalesce(var.kubernetes_role_name, var.role_name)
  # cert-manager asks for service account tokens with this audience for a ClusterIssuer.
  kubernetes_audience = "vault://${var.issuer_name}"
}

resource "vaultpki_pki_role" "this" {
  mount            = var.pki_mount
  name             = var.role_name
  allowed_domains  = var.allowed_domains
  allow_subdomains = var.allow_subdomains
  max_ttl          = var.max_ttl_seconds
  key_type         = var.key_type
  key_bits         = var.key_bits
  server_flag      = var.server_flag
  client_flag      = var.client_flag
}

data "vaultpki_policy_document" "this" {
  rule {
    path         = "${var.pki_mount}/sign/${vaultpki_pki_role.this.name}"
    capabilities = ["create", "update"]
  }
  # Reading the role tells cert-deploy and other clients which issuer it signs with.
  rule {
    path         = "${var.pki_mount}/roles/${vaultpki_pki_role.this.name}"
    capabilities = ["read"]
  }
  dynamic "rule" {
    for_each = var.allow_issue ? [1] : []
    content {
      path         = "${var.pki_mount}/issue/${vaultpki_pki_role.this.name}"
      capabilities = ["create", "update"]
    }
  }
}

resource "vaultpki_policy" "this" {
  name   = local.policy_name
  policy = data.vaultpki_policy_document.this.hcl
}

resource "vaultpki_auth_backend" "approle" {
  count = local.approle && var.create_approle_mount ? 1 : 0

  path = var.approle_mount
  type = "approle"
}

resource "vaultpki_approle_role" "this" {
  count = local.approle ? 1 : 0

  mount                   = local.approle_mount
  role_name               = local.approle_role_name
  token_policies          = [vaultpki_policy.this.name]
  token_no_default_policy = true
  token_ttl               = var.token_ttl_seconds
  token_max_ttl           = var.token_ttl_seconds
  secret_id_ttl           = var.secret_id_ttl_seconds
}

resource "vaultpki_approle_secret_id" "this" {
  count = local.approle ? 1 : 0

  mount     = vaultpki_approle_role.this[0].mount
  role_name = vaultpki_approle_role.this[0].role_name
  metadata  = { consumer = local.approle_role_name }
}

# The AppRole resources had no count before the auth choice: keep existing states.
moved {
  from = vaultpki_approle_role.this
  to   = vaultpki_approle_role.this[0]
}

moved {
  from = vaultpki_approle_secret_id.this
  to   = vaultpki_approle_secret_id.this[0]
}

resource "vaultpki_kubernetes_auth_backend_role" "this" {
  count = local.kubernetes ? 1 : 0

  mount                            = var.kubernetes_mount
  role_name                        = local.kubernetes_role
  bound_service_account_names      = [var.kubernetes_service_account]
  bound_service_account_namespaces = [var.kubernetes_namespace]
  audience                         = local.kubernetes_audience
  token_policies                   = [vaultpki_policy.this.name]
  token_no_default_policy          = true
  token_ttl                        = var.token_ttl_seconds
  token_max_ttl                    = var.token_ttl_seconds
}

# The chain of the mount's default issuer, for clients that must trust the issued certificates.
data "vaultpki_pki_issuer" "default" {
  mount      = var.pki_mount
  issuer_ref = "default"

  # Read after the role so that, when the mount and its issuer are made in the same apply as
  # this module (var.pki_mount is known at plan time either way), the read waits for them.
  depends_on = [vaultpki_pki_role.this]
}
