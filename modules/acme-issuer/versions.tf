terraform {
  required_version = ">= 1.11"
  required_providers {
    vaultpki = {
      source = "vaultpki/vaultpki"
    }
  }
}
