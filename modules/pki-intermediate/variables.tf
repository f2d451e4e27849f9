variable "mount_path" {
  description = "Path of the PKI mount that holds the intermediate CA (created by this module)."
  type        = string
  default     = "pki-int"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_./-]*[A-Za-z0-9]$", var.mount_path))
    error_message = "mount_path must be a path such as \"pki-int\" or \"pki/int\", without leading or trailing slashes."
  }
}

variable "description" {
  description = "Description of the mount."
  type        = string
  default     = "Intermediate CA signed by an offline root"
}

variable "max_lease_ttl_seconds" {
  description = "Maximum TTL of the mount in seconds; no certificate it issues outlives it."
  type        = number
  default     = 157680000

  validation {
    condition     = var.max_lease_ttl_seconds > 0
    error_message = "max_lease_ttl_seconds must be positive."
  }
}

variable "acme_headers" {
  description = "Let the headers ACME clients need (Replay-Nonce, Location, Link, Last-Modified; If-Modified-Since) through the mount, for the acme-issuer module on it."
  type        = bool
  default     = false
}

variable "common_name" {
  description = "Common name of the intermediate CA's CSR."
  type        = string

  validation {
    condition     = length(trimspace(var.common_name)) > 0
    error_message = "common_name must not be empty."
  }
}

variable "organization" {
  description = "Subject O values of the CSR."
  type        = list(string)
  default     = []
}

variable "key_type" {
  description = "Type of the key generated inside the server: \"ec\" or \"rsa\"."
  type        = string
  default     = "ec"

  validation {
    condition     = contains(["ec", "rsa"], var.key_type)
    error_message = "key_type must be \"ec\" or \"rsa\"."
  }
}

variable "key_bits" {
  description = "Key size: 256 or 384 for EC, 2048, 3072 or 4096 for RSA."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 384, 2048, 3072, 4096], var.key_bits)
    error_message = "key_bits must be 256 or 384 (ec), or 2048, 3072 or 4096 (rsa)."
  }
}

variable "key_name" {
  description = "Name of the key in the mount."
  type        = string
  default     = "intermediate"
}

variable "signed_certificate" {
  description = "The intermediate certificate signed offline from the `csr` output, optionally followed by its chain up to the root (PEM). Leave null in phase 1; set it in phase 2 to import it and make it the default issuer."
  type        = string
  default     = null

  validation {
    condition     = var.signed_certificate == null || can(regex("-----BEGIN CERTIFICATE-----", var.signed_certificate))
    error_message = "signed_certificate must be null or PEM text holding at least one CERTIFICATE block."
  }
}

variable "delete_issuer_on_destroy" {
  description = "Delete the intermediate's issuer from the mount when it is destroyed or replaced."
  type        = bool
  default     = false
}

variable "base_url" {
  description = "Public URL of the server (e.g. https://vault.example.com:8200); the issuing-certificate and CRL URLs embedded in certificates are built from it."
  type        = string

  validation {
    condition     = can(regex("^https?://[^/]+", var.base_url)) && !endswith(var.base_url, "/")
    error_message = "base_url must start with http:// or https:// and must not end with a slash."
  }
}

variable "ocsp_servers" {
  description = "OCSP responder URLs embedded in issued certificates."
  type        = list(string)
  default     = []
}

variable "crl_expiry" {
  description = "How long a CRL is valid, as a duration such as \"72h\"."
  type        = string
  default     = "72h"

  validation {
    condition     = can(regex("^[0-9]+[smh]$", var.crl_expiry))
    error_message = "crl_expiry must be a duration such as \"72h\", \"30m\" or \"3600s\"."
  }
}

variable "crl_auto_rebuild" {
  description = "Rebuild the CRL before it expires instead of on every revocation."
  type        = bool
  default     = true
}

variable "tidy_interval_seconds" {
  description = "Seconds between automatic tidy runs."
  type        = number
  default     = 43200

  validation {
    condition     = var.tidy_interval_seconds >= 60
    error_message = "tidy_interval_seconds must be at least 60."
  }
}

variable "tidy_safety_buffer_seconds" {
  description = "Seconds past expiry before a certificate is tidied away."
  type        = number
  default     = 259200

  validation {
    condition     = var.tidy_safety_buffer_seconds >= 0
    error_message = "tidy_safety_buffer_seconds must not be negative."
  }
}

variable "per_issuer_urls" {
  description = "Embed each issuer's own CA and CRL URLs in the certificates it issues (<base_url>/v1/<mount>/issuer/<issuer id>/der and .../crl/der, templated by the server) instead of the mount's URLs, which always serve the current default issuer. Set it before the first certificate is issued if the intermediate will be rotated: certificates of the old issuer then keep pointing at the old issuer's CRL."
  type        = bool
  default     = false
}
