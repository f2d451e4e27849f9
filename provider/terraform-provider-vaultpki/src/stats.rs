//! Opt-in process statistics for the benchmark: when `VAULTPKI_PROVIDER_STATS_FILE` is set, the
//! provider appends one line `pid=<pid> cpu_ms=<user+system> peak_rss_kib=<VmHWM>` to that file
//! as it exits, so a benchmark can attribute CPU time and memory to the provider processes that
//! Terraform started (it starts several per command). Linux only (`/proc`); elsewhere, and when
//! the variable is unset, it does nothing.
//!
//! The file is appended to rather than replaced through a temporary file: several provider
//! processes write to it, and each line is one `write` to a file opened with `O_APPEND`.

use std::io::Write as _;

/// The environment variable naming the statistics file.
pub const STATS_ENV: &str = "VAULTPKI_PROVIDER_STATS_FILE";

/// Linux's `USER_HZ`, the unit of `utime`/`stime` in `/proc/<pid>/stat`: 100 on every
/// architecture Linux supports today (it is fixed ABI, independent of the kernel's HZ).
const USER_HZ: u64 = 100;

/// Appends this process's statistics to the file named by [`STATS_ENV`], if set. Errors are
/// ignored: statistics must never make the provider fail.
pub fn append_process_stats() {
    let Some(path) = std::env::var_os(STATS_ENV) else {
        return;
    };
    let Some(line) = process_stats() else {
        return;
    };
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = f.write_all(line.as_bytes());
    }
}

fn process_stats() -> Option<String> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let cpu_ms = cpu_ms(&stat)?;
    let peak_kib = peak_rss_kib(&status)?;
    Some(format!(
        "pid={} cpu_ms={cpu_ms} peak_rss_kib={peak_kib}\n",
        std::process::id()
    ))
}

/// user + system CPU time in milliseconds from `/proc/self/stat` (fields 14 and 15; the
/// command name in field 2 may contain spaces, so counting starts after its closing paren).
fn cpu_ms(stat: &str) -> Option<u64> {
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * 1000 / USER_HZ)
}

fn peak_rss_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_fields() {
        let stat = "1234 (terraform-prov ider) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 9 0";
        assert_eq!(cpu_ms(stat), Some(3000));
        assert_eq!(
            peak_rss_kib("Name:\tx\nVmHWM:\t   12345 kB\nVmRSS:\t1 kB\n"),
            Some(12345)
        );
    }

    #[test]
    fn reads_this_process() {
        if cfg!(target_os = "linux") {
            assert!(process_stats().is_some());
        }
    }
}
