//! `snapshot-cron list`: our snapshots in the bucket, newest first, with size, age, Raft index
//! and the recorded SHA-256 (the composite of the parts, or the whole-file hash of objects
//! written before uploads streamed).

use crate::cli::ListArgs;
use crate::exit::{Failure, Stage, StageExt as _};
use crate::store::{self, Listed, S3Store, Store as _};

/// Lists and prints.
pub async fn list(args: &ListArgs) -> Result<(), Failure> {
    let store = S3Store::connect(&args.store).await.stage(Stage::Config)?;
    let objects = store.list().await.stage(Stage::Storage)?;
    let now = store::unix_now();
    if !args.json {
        println!(
            "{:<60} {:>12} {:>10} {:>10}  SHA256",
            "KEY", "SIZE", "AGE", "INDEX"
        );
    }
    for o in objects {
        let sha256 = store
            .recorded_checksum(&o.key)
            .await
            .stage(Stage::Storage)?
            .display();
        let listed = Listed {
            key: o.key,
            size: o.size,
            created_ms: o.created_ms,
            index: o.index,
            sha256,
        };
        if args.json {
            let line =
                serde_json::to_string(&listed).map_err(|e| Failure::new(Stage::Internal, e))?;
            println!("{line}");
        } else {
            let age = (now - listed.created_ms as f64 / 1000.0).max(0.0);
            println!(
                "{:<60} {:>12} {:>10} {:>10}  {}",
                listed.key,
                listed.size,
                format_age(age),
                listed.index,
                listed.sha256.as_deref().unwrap_or("-")
            );
        }
    }
    Ok(())
}

fn format_age(secs: f64) -> String {
    let s = secs as u64;
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages() {
        assert_eq!(super::format_age(5.0), "5s");
        assert_eq!(super::format_age(600.0), "10m");
        assert_eq!(super::format_age(36_000.0), "10h");
        assert_eq!(super::format_age(864_000.0), "10d");
    }
}
