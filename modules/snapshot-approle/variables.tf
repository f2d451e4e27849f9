variable "auth_method" {
  description = "How the job logs in: \"approle\" (role ID and secret ID) or \"kubernetes\" (the CronJob's service account token; the server's Kubernetes auth method must be configured to reach the cluster's API server)."
  type        = string
  default     = "approle"

  validation {
    condition     = contains(["approle", "kubernetes"], var.auth_method)
    error_message = "auth_method must be \"approle\" or \"kubernetes\"."
  }
}

variable "kubernetes_mount" {
  description = "Path of the existing, configured Kubernetes auth method (SNAPSHOT_CRON_K8S_MOUNT)."
  type        = string
  default     = "kubernetes"
}

variable "kubernetes_service_account" {
  description = "The CronJob's service account (auth_method = \"kubernetes\")."
  type        = string
  default     = "snapshot-cron"
}

variable "kubernetes_namespace" {
  description = "Namespace of the CronJob and its service account."
  type        = string
  default     = "vault-backup"
}

variable "kubernetes_audience" {
  description = "Audience the service account token must carry: that of the projected token volume (`vault` in snapshot-cron/deploy/kubernetes); null: not checked."
  type        = string
  default     = "vault"
}

variable "approle_mount" {
  description = "Mount path of an existing AppRole auth method (auth_method = \"approle\")."
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
  description = "TTL in seconds of the tokens the job obtains; a run takes minutes, so keep it short."
  type        = number
  default     = 900

  validation {
    condition     = var.token_ttl > 0
    error_message = "token_ttl must be a positive number of seconds."
  }
}

variable "token_max_ttl" {
  description = "Maximum TTL of those tokens in seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.token_max_ttl >= var.token_ttl
    error_message = "token_max_ttl must be at least token_ttl."
  }
}

variable "secret_id_ttl" {
  description = "Lifetime of secret IDs in seconds (0: no expiry); rotate before it expires."
  type        = number
  default     = 2592000

  validation {
    condition     = var.secret_id_ttl >= 0
    error_message = "secret_id_ttl must not be negative."
  }
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
