//! Generated protocol bindings (see `build.rs`): `tfplugin6` for Terraform's provider service,
//! `plugin` for go-plugin's controller, stdio and broker services. Both server and client stubs
//! are public, so a host or a test can drive a provider through the same types.

/// Terraform plugin protocol 6.9 (`tfplugin6.proto`).
#[allow(
    missing_docs,
    unreachable_pub,
    unused_qualifications,
    clippy::all,
    clippy::pedantic
)] // reason: generated code
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's own services (`grpc_controller.proto`, `grpc_stdio.proto`, `grpc_broker.proto`).
#[allow(
    missing_docs,
    unreachable_pub,
    unused_qualifications,
    clippy::all,
    clippy::pedantic
)] // reason: generated code
pub mod plugin {
    tonic::include_proto!("plugin");
}
