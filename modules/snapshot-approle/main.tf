# The identity snapshot-cron logs in with: a policy that can read Raft snapshots and nothing
# else (restores only when asked for), and an AppRole whose short-lived tokens carry it.

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

  snapshot_policy = join("\n", concat(
    ["# Written by the snapshot-approle module: take Raft snapshots, nothing else.", local.read_block],
    var.allow_restore ? [local.force_block] : [],
  ))
}

resource "vaultpki_policy" "snapshot" {
  name   = local.policy_name
  policy = local.snapshot_policy
}

resource "vaultpki_approle_role" "snapshot" {
  mount             = var.approle_mount
  role_name         = var.role_name
  token_policies    = [vaultpki_policy.snapshot.name]
  token_ttl         = var.token_ttl
  token_max_ttl     = var.token_max_ttl
  token_bound_cidrs = var.token_bound_cidrs
  secret_id_ttl     = var.secret_id_ttl
  token_type        = "service"
}

resource "vaultpki_approle_secret_id" "snapshot" {
  count     = var.create_secret_id ? 1 : 0
  mount     = var.approle_mount
  role_name = vaultpki_approle_role.snapshot.role_name
}
