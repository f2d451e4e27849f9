//! Everything the provider and snapshot-cron both need to talk to OpenBao or Vault, written once:
//! the address and TLS settings (CA file, skip-verify), namespace, token / AppRole / Kubernetes
//! login, detecting the server's flavour and version, finding the active node, and retrying 429,
//! 5xx and connection errors with bounded backoff. Built on `vaultrs`; endpoints it lacks go
//! through its generic request path. Knows nothing about Terraform or S3.
