variable "pki_mount" {
  description = "Path of an existing PKI mount with a default issuer (e.g. the pki-intermediate module's mount_path output)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_./-]*[A-Za-z0-9]$", var.pki_mount))
    error_message = "pki_mount must be a mount path without leading or trailing slashes."
  }
}

variable "role_name" {
  description = "Name of the PKI role the consumer signs and issues with."
  type        = string
  default     = "cert-manager"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+$", var.role_name))
    error_message = "role_name may hold letters, digits, '-' and '_' only."
  }
}

variable "allowed_domains" {
  description = "Domains certificates may be issued for."
  type        = list(string)

  validation {
    condition     = length(var.allowed_domains) > 0
    error_message = "allowed_domains must name at least one domain."
  }
}

variable "allow_subdomains" {
  description = "Allow subdomains of allowed_domains."
  type        = bool
  default     = true
}

variable "max_ttl_seconds" {
  description = "Maximum TTL of issued certificates in seconds. The default, 90 days, admits cert-manager's default Certificate duration (2160h); the mount's max_lease_ttl and the issuer's own expiry cap it too."
  type        = number
  default     = 7776000

  validation {
    condition     = var.max_ttl_seconds > 0
    error_message = "max_ttl_seconds must be positive."
  }
}

variable "key_type" {
  description = "Key type the role accepts in CSRs (and makes, with allow_issue): \"any\" (the default: cert-manager's default key is RSA-2048, an ECDSA key is common too), \"rsa\", \"ec\" or \"ed25519\"."
  type        = string
  default     = "any"

  validation {
    condition     = contains(["ec", "rsa", "ed25519", "any"], var.key_type)
    error_message = "key_type must be \"any\", \"rsa\", \"ec\" or \"ed25519\"."
  }
}

variable "key_bits" {
  description = "Minimum key size: RSA 2048, 3072, 4096 or 8192; EC curve 224, 256, 384 or 521; 0 for the type's default (the only value with \"any\" and \"ed25519\")."
  type        = number
  default     = 0

  validation {
    condition = (
      var.key_bits == 0 ||
      (var.key_type == "rsa" && contains([2048, 3072, 4096, 8192], var.key_bits)) ||
      (var.key_type == "ec" && contains([224, 256, 384, 521], var.key_bits))
    )
    error_message = "key_bits must be 0, or with key_type \"rsa\" one of 2048, 3072, 4096, 8192, or with key_type \"ec\" one of 224, 256, 384, 521."
  }
}

variable "server_flag" {
  description = "Issued certificates may be used by TLS servers (extended key usage serverAuth)."
  type        = bool
  default     = true
}

variable "client_flag" {
  description = "Issued certificates may be used by TLS clients (extended key usage clientAuth), for mTLS."
  type        = bool
  default     = false
}

variable "allow_issue" {
  description = "Also allow `<mount>/issue/<role>`, where the server generates the private key and returns it. cert-manager never calls it (it sends a CSR to `sign`), so it is off by default."
  type        = bool
  default     = false
}

variable "policy_name" {
  description = "Name of the policy; defaults to \"<pki_mount>-<role_name>\" with slashes replaced by dashes."
  type        = string
  default     = null
}

variable "auth_method" {
  description = "How cert-manager logs in: \"approle\" (a role ID and a secret ID kept in a Secret) or \"kubernetes\" (a token of the service account kubernetes_service_account, which cert-manager requests itself; the server's Kubernetes auth method must be configured to reach the cluster's API server)."
  type        = string
  default     = "approle"

  validation {
    condition     = contains(["approle", "kubernetes"], var.auth_method)
    error_message = "auth_method must be \"approle\" or \"kubernetes\"."
  }
}

variable "approle_mount" {
  description = "Path of the AppRole auth method."
  type        = string
  default     = "approle"
}

variable "create_approle_mount" {
  description = "Enable the AppRole auth method at approle_mount (false: it already exists)."
  type        = bool
  default     = false
}

variable "approle_role_name" {
  description = "Name of the AppRole; defaults to role_name."
  type        = string
  default     = null
}

variable "kubernetes_mount" {
  description = "Path of the existing, configured Kubernetes auth method (auth_method = \"kubernetes\")."
  type        = string
  default     = "kubernetes"
}

variable "kubernetes_role_name" {
  description = "Name of the Kubernetes auth role; defaults to role_name."
  type        = string
  default     = null
}

variable "kubernetes_service_account" {
  description = "The service account cert-manager logs in as (spec.vault.auth.kubernetes.serviceAccountRef.name); cert-manager needs RBAC to create its tokens."
  type        = string
  default     = "vault-issuer"
}

variable "kubernetes_namespace" {
  description = "Namespace of that service account (cert-manager's cluster resource namespace for a ClusterIssuer)."
  type        = string
  default     = "cert-manager"
}

variable "token_ttl_seconds" {
  description = "TTL of the tokens the consumer logs in for."
  type        = number
  default     = 1200

  validation {
    condition     = var.token_ttl_seconds > 0
    error_message = "token_ttl_seconds must be positive."
  }
}

variable "secret_id_ttl_seconds" {
  description = "Lifetime of the secret ID in seconds (0: no expiry). Rotate it before it expires."
  type        = number
  default     = 0

  validation {
    condition     = var.secret_id_ttl_seconds >= 0
    error_message = "secret_id_ttl_seconds must not be negative."
  }
}

variable "vault_addr" {
  description = "Address cert-manager reaches the server at, e.g. https://vault.example.com:8200."
  type        = string

  validation {
    condition     = can(regex("^https?://[^/]+", var.vault_addr))
    error_message = "vault_addr must start with http:// or https://."
  }
}

variable "vault_ca_bundle" {
  description = "PEM CA bundle that verifies the server's TLS certificate (cert-manager's caBundle); null when the system trust store suffices."
  type        = string
  default     = null
}

variable "issuer_name" {
  description = "Name of the ClusterIssuer in the rendered manifest."
  type        = string
  default     = "vault"
}

variable "secret_namespace" {
  description = "Namespace of the Secret holding the secret ID (cert-manager's cluster resource namespace)."
  type        = string
  default     = "cert-manager"
}
