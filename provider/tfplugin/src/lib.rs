//! The Terraform/OpenTofu plugin protocol 6, as a library a provider is written against.
//!
//! It will hold the tonic/prost bindings for `tfplugin6.proto` (protocol 6.9) and the go-plugin
//! services, serving as go-plugin does (magic cookie, handshake line, AutoMTLS), the msgpack/JSON
//! value model and the provider-author traits. It knows nothing about Vault so that it can be
//! published on its own.
