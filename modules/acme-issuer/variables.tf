variable "mount_path" {
  description = "Path of an existing PKI mount with a default issuer. The mount must let the ACME headers through: allowed_response_headers = [\"Last-Modified\", \"Location\", \"Replay-Nonce\", \"Link\"] and passthrough_request_headers = [\"If-Modified-Since\"] on its vaultpki_mount (output `required_mount_tuning`)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_./-]*[A-Za-z0-9]$", var.mount_path))
    error_message = "mount_path must be a path such as \"pki-int\" or \"pki/int\", without leading or trailing slashes."
  }
}

variable "base_url" {
  description = "URL under which ACME clients reach the server, e.g. https://bao.example.com:8200 (no trailing slash). The mount's cluster path (config/cluster `path`) is <base_url>/v1/<mount_path>; every URL in the ACME directory is built from it, so it must be what clients can reach, over https."
  type        = string

  validation {
    condition     = can(regex("^https?://[^/]+", var.base_url)) && !endswith(var.base_url, "/")
    error_message = "base_url must start with http:// or https:// and must not end with a slash."
  }
}

variable "aia_base_url" {
  description = "URL for AIA templates (config/cluster `aia_path` is <aia_base_url>/v1/<mount_path>); may be plain http. Null: base_url."
  type        = string
  default     = null

  validation {
    condition     = var.aia_base_url == null || (can(regex("^https?://[^/]+", coalesce(var.aia_base_url, "x"))) && !endswith(coalesce(var.aia_base_url, "x"), "/"))
    error_message = "aia_base_url must be null, or start with http:// or https:// and not end with a slash."
  }
}

variable "create_role" {
  description = "Create a PKI role for ACME (named role_name) that limits the names ACME clients can get to allowed_domains. Without it, pass allowed_roles and default_directory_policy for roles you manage yourself."
  type        = bool
  default     = true
}

variable "role_name" {
  description = "Name of the PKI role the module creates for ACME."
  type        = string
  default     = "acme"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]*$", var.role_name))
    error_message = "role_name must be letters, digits, '_', '.' or '-'."
  }
}

variable "allowed_domains" {
  description = "Domains ACME certificates may be issued for (the role's allowed_domains), e.g. [\"svc.example.internal\"]. Required when create_role is true."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for d in var.allowed_domains : length(trimspace(d)) > 0])
    error_message = "allowed_domains must not hold empty names."
  }
}

variable "allow_subdomains" {
  description = "Allow subdomains of allowed_domains (e.g. app.svc.example.internal)."
  type        = bool
  default     = true
}

variable "allow_bare_domains" {
  description = "Allow the allowed_domains themselves as names."
  type        = bool
  default     = false
}

variable "allow_wildcard_certificates" {
  description = "Allow wildcard names (ACME only validates them with DNS-01)."
  type        = bool
  default     = false
}

variable "max_ttl_seconds" {
  description = "Longest lifetime of an ACME certificate in seconds (the role's max_ttl; the mount's max lease TTL and the issuer's NotAfter bound it too)."
  type        = number
  default     = 2592000

  validation {
    condition     = var.max_ttl_seconds >= 3600
    error_message = "max_ttl_seconds must be at least 3600 (one hour)."
  }
}

variable "allowed_roles" {
  description = "Roles ACME clients may use (`roles/<role>/acme/directory`). Null: [role_name] when create_role, else the server's value."
  type        = list(string)
  default     = null
}

variable "allowed_issuers" {
  description = "Issuers ACME clients may use (`issuer/<ref>/acme/directory`). Null: the server's value ([\"*\"] on a fresh mount)."
  type        = list(string)
  default     = null
}

variable "default_directory_policy" {
  description = "What the mount's default directory (`acme/directory`) does: \"role:<name>\", \"sign-verbatim\" (any name the client proves, no role limits) or \"forbid\". Null: \"role:<role_name>\" when create_role, else \"forbid\"."
  type        = string
  default     = null

  validation {
    condition     = var.default_directory_policy == null || can(regex("^(sign-verbatim|forbid|role:[A-Za-z0-9][A-Za-z0-9_.-]*)$", coalesce(var.default_directory_policy, "forbid")))
    error_message = "default_directory_policy must be \"sign-verbatim\", \"forbid\" or \"role:<name>\"."
  }
}

variable "eab_policy" {
  description = "Whether ACME clients need an external account binding: \"not-required\", \"new-account-required\" (new accounts must bind a key from eab_keys) or \"always-required\" (every account must have been bound)."
  type        = string
  default     = "not-required"

  validation {
    condition     = contains(["not-required", "new-account-required", "always-required"], var.eab_policy)
    error_message = "eab_policy must be \"not-required\", \"new-account-required\" or \"always-required\"."
  }
}

variable "eab_keys" {
  description = "Names of EAB keys to create for the default directory, one per client (e.g. [\"traefik\"]); the output eab_keys maps each name to its key ID and HMAC key. A key is consumed by the first account that binds it; the next apply creates a new one under the same name."
  type        = set(string)
  default     = []
}

variable "dns_resolver" {
  description = "host:port of the DNS server OpenBao uses to resolve names during challenges (e.g. \"10.0.0.53:53\"). Null: the server's value (empty: the system resolver)."
  type        = string
  default     = null

  validation {
    condition     = var.dns_resolver == null || can(regex("^(\\[[0-9A-Fa-f:.]+\\]|[^:\\s\\[\\]]+):[0-9]+$", coalesce(var.dns_resolver, "x:1")))
    error_message = "dns_resolver must be host:port, e.g. \"10.0.0.53:53\" or \"[fd00::53]:53\"."
  }
}
