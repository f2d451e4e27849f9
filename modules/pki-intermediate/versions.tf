terraform {
  # Terraform and OpenTofu both check this against their own version. 1.11 is where each
  # first handles write-only attributes, which the provider's resources use; ephemeral
  # resources came in Terraform 1.10 and OpenTofu 1.11, provider functions in 1.8 and 1.7.
  required_version = ">= 1.11"
  required_providers {
    vaultpki = {
      source  = "vaultpki/vaultpki"
      version = "~> 0.1"
    }
  }
}
