# The identity snapshot-cron logs in with: a policy that can read Raft snapshots and nothing
# else (restores only when asked for), and an AppRole (auth_method = "approle") or a Kubernetes
# auth role bound to the CronJob's service account (auth_method = "kubernetes") whose
# short-lived tokens carry that policy alone (not `default`).

locals {
  policy_name = coalesce(var.policy_name, var.role_name)

  read_block = <<-EOT
    path "sys/storage/raft/snapshot" {
      capabilities = ${var.allow_restore ? "[\"read\", \"update\"]" : "[\"read\"]"}
    }
  EOT

  force_block = <<-EOT
    path "sys/storage/raft/snapshot-force" {
      capabilities = ["update"]
    }
  EOT

  # Without the `default` policy the job still revokes its own token when it is done.
  revoke_block = <<-EOT
    path "auth/token/revoke-self" {
      capabilities = ["update"]
    }
  EOT

  snapshot_policy = join("\n", concat(
    ["# Written by the snapshot-approle module: take Raft snapshots, nothing else.", local.read_block, local.revoke_block],
    var.allow_restore ? [local.force_block] : [],
  ))
}

resource "vaultpki_policy" "snapshot" {
  name   = local.policy_name
  policy = local.snapshot_policy
}

resource "vaultpki_approle_role" "snapshot" {
  count = var.auth_method == "approle" ? 1 : 0

  mount                   = var.approle_mount
  role_name               = var.role_name
  token_policies          = [vaultpki_policy.snapshot.name]
  token_no_default_policy = true
  token_ttl               = var.token_ttl
  token_max_ttl           = var.token_max_ttl
  token_bound_cidrs       = var.token_bound_cidrs
  secret_id_ttl           = var.secret_id_ttl
  token_type              = "service"
}

resource "vaultpki_approle_secret_id" "snapshot" {
  count     = var.auth_method == "approle" && var.create_secret_id ? 1 : 0
  mount     = var.approle_mount
  role_name = vaultpki_approle_role.snapshot[0].role_name
}

# The AppRole had no count before the auth choice: keep existing states.
moved {
  from = vaultpki_approle_role.snapshot
  to   = vaultpki_approle_role.snapshot[0]
}

resource "vaultpki_kubernetes_auth_backend_role" "snapshot" {
  count = var.auth_method == "kubernetes" ? 1 : 0

  mount                            = var.kubernetes_mount
  role_name                        = var.role_name
  bound_service_account_names      = [var.kubernetes_service_account]
  bound_service_account_namespaces = [var.kubernetes_namespace]
  audience                         = var.kubernetes_audience
  token_policies                   = [vaultpki_policy.snapshot.name]
  token_no_default_policy          = true
  token_ttl                        = var.token_ttl
  token_max_ttl                    = var.token_max_ttl
  token_bound_cidrs                = var.token_bound_cidrs
  token_type                       = "service"
}
