variable "approle_mount" {
  description = "Mount path of an existing AppRole auth method."
  type        = string
  default     = "approle"
}

variable "role_name" {
  description = "Name of the AppRole (and prefix of the policy name) snapshot-cron logs in with."
  type        = string
  default     = "snapshot-cron"
}

variable "policy_name" {
  description = "Name of the read-only snapshot policy; defaults to the role name."
  type        = string
  default     = null
}

variable "allow_restore" {
  description = "Also allow restoring (update on sys/storage/raft/snapshot and snapshot-force). Keep false for the nightly job; give restores to a separate, break-glass identity."
  type        = bool
  default     = false
}

variable "token_ttl" {
  description = "TTL of the tokens the job obtains; a run takes minutes, so keep it short."
  type        = string
  default     = "15m"
}

variable "token_max_ttl" {
  description = "Maximum TTL of those tokens."
  type        = string
  default     = "1h"
}

variable "secret_id_ttl" {
  description = "Lifetime of secret IDs; rotate before it expires."
  type        = string
  default     = "720h"
}

variable "token_bound_cidrs" {
  description = "CIDRs the job's tokens may be used from (empty: anywhere)."
  type        = list(string)
  default     = []
}

variable "create_secret_id" {
  description = "Create one secret ID now (it lands in the Terraform state as a sensitive value)."
  type        = bool
  default     = false
}
