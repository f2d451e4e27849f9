//! Bindings are generated here from `proto/` once the protocol issue lands.
fn main() {}
