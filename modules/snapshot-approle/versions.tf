terraform {
  required_version = ">= 1.5"
  required_providers {
    vaultpki = {
      source = "vaultpki/vaultpki"
    }
  }
}
