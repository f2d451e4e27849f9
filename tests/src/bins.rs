//! Finding the workspace root and the binaries cargo built, so tests run the real executables.

use std::path::{Path, PathBuf};

/// The workspace root (the directory holding the virtual `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The path of a binary of this workspace in the target directory this test was built into.
///
/// Panics with the command to run when it has not been built: the README's test command builds
/// every binary (`cargo build --workspace --all-targets`) before the tests start.
pub fn bin_path(name: &str) -> PathBuf {
    // A test binary lives in <target>/<profile>/deps/; the workspace binaries one level up and the
    // examples in <target>/<profile>/examples/.
    let exe = std::env::current_exe().expect("the test binary knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binaries live in <target>/<profile>/deps");
    let candidates = [
        profile_dir.join(name),
        profile_dir.join("examples").join(name),
    ];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "binary `{name}` was not found in {}; build it first with \
                 `cargo build --workspace --all-targets` (the README's test command does this)",
                profile_dir.display()
            )
        })
}
