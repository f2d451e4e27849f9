terraform import vaultpki_policy.cert_manager sys/policies/acl/cert-manager
