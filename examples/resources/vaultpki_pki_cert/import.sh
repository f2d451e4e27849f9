# Import by <mount>/cert/<serial>. Only the public material comes in (certificate, issuing CA,
# serial, expiration): the server never keeps the private key, so `private_key` stays null.
# The SANs and the TTL come from the certificate, so a matching configuration plans nothing;
# the role (which the server does not record) is taken from the configuration as it is.
terraform import vaultpki_pki_cert.api pki_int/cert/39:dd:2e:90:b7:23:1f:8d:d3:7d:31:c5:1b:da:84:d0:5b:65:31:58
