//! Generates the gRPC bindings from `proto/` at build time with protox, a pure-Rust protobuf
//! compiler, so that building the crate never needs a system `protoc`.

use std::error::Error;

const PROTOS: [&str; 4] = [
    "proto/tfplugin6.proto",
    "proto/grpc_controller.proto",
    "proto/grpc_stdio.proto",
    "proto/grpc_broker.proto",
];

fn main() -> Result<(), Box<dyn Error>> {
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    // Client stubs are generated too: tests and other hosts drive a provider through them.
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(descriptors)?;
    Ok(())
}
