locals {
  web = provider::vaultpki::certificate_info(vaultpki_pki_cert.web.certificate)
}

output "web_certificate" {
  value = {
    subject   = local.web.subject
    serial    = local.web.serial_number
    not_after = local.web.not_after
    dns_names = local.web.dns_names
    key       = "${local.web.key_algorithm}-${local.web.key_bits}"
  }
}
