//! `snapshot-cron verify FILE`: the offline check, printing what the snapshot contains.

use crate::archive::{self, VerifyError};
use crate::cli::VerifyArgs;
use crate::exit::{Failure, Stage};

/// Verifies the file and prints the report (text or JSON) on stdout.
pub async fn verify(args: &VerifyArgs) -> Result<(), Failure> {
    let path = args.file.clone();
    let result = tokio::task::spawn_blocking(move || archive::verify_file(&path))
        .await
        .map_err(|e| Failure::new(Stage::Internal, format!("verification task: {e}")))?;
    let report = match result {
        Ok(r) => r,
        Err(e @ VerifyError::Io { .. }) => return Err(Failure::new(Stage::Config, e)),
        Err(e) => {
            return Err(Failure::new(
                Stage::Verify,
                format!("{}: {e}", args.file.display()),
            ));
        }
    };
    if args.json {
        let line = serde_json::to_string(&report).map_err(|e| Failure::new(Stage::Internal, e))?;
        println!("{line}");
        return Ok(());
    }
    println!("{}: OK", args.file.display());
    println!("  raft index      {}", report.index);
    println!("  raft term       {}", report.term);
    println!("  format version  {} ({})", report.version, report.id);
    println!("  file size       {} bytes", report.file_bytes);
    println!("  tar size        {} bytes", report.tar_bytes);
    println!("  meta.json       {} bytes", report.meta_bytes);
    println!(
        "  state.bin       {} bytes, sha256 {}",
        report.state_bytes, report.state_sha256
    );
    println!("  entries         {}", report.entries);
    for (prefix, count) in &report.prefixes {
        println!("    {prefix:<24} {count}");
    }
    Ok(())
}
