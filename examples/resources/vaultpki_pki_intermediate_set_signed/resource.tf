# intermediate.pem: the certificate the offline root signed from
# vaultpki_pki_intermediate_csr.int.csr; root.pem: the offline root.
resource "vaultpki_pki_intermediate_set_signed" "int" {
  mount       = vaultpki_mount.pki_int.path
  certificate = "${file("intermediate.pem")}${file("root.pem")}"
  # Leave the issuer on the server when this resource is destroyed (the default).
  delete_on_destroy = false
}

output "intermediate_issuer_id" {
  value = vaultpki_pki_intermediate_set_signed.int.issuer_id
}
