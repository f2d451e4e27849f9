//! Is this machine offline? A ceremony laptop should have no network interface up other than
//! loopback. Read from `/sys/class/net/<if>/flags` (IFF_UP = 0x1, IFF_LOOPBACK = 0x8), which needs
//! no privileges and no network call.

use std::path::Path;

use crate::{Error, Result};

const IFF_UP: u32 = 0x1;
const IFF_LOOPBACK: u32 = 0x8;

/// Names of non-loopback interfaces that are up, sorted.
pub fn interfaces_up() -> Vec<String> {
    interfaces_up_in(Path::new("/sys/class/net"))
}

fn interfaces_up_in(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut up: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let flags = std::fs::read_to_string(e.path().join("flags")).ok()?;
            let flags = u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).ok()?;
            (flags & IFF_UP != 0 && flags & IFF_LOOPBACK == 0)
                .then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    up.sort();
    up
}

/// With `require`, refuses when an interface is up; otherwise returns the warning to print.
pub fn check(require: bool) -> Result<Option<String>> {
    let up = interfaces_up();
    if up.is_empty() {
        return Ok(None);
    }
    let names = up.join(", ");
    if require {
        return Err(Error::Online(names));
    }
    Ok(Some(format!(
        "WARNING: network interface(s) {names} are up; a root CA ceremony belongs on an \
         offline machine (disconnect them, or pass --require-offline to make this an error)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flags() {
        let dir = tempfile::tempdir().unwrap();
        for (name, flags) in [("lo", "0x9"), ("eth0", "0x1003"), ("wlan0", "0x1002")] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
            std::fs::write(dir.path().join(name).join("flags"), format!("{flags}\n")).unwrap();
        }
        assert_eq!(interfaces_up_in(dir.path()), vec!["eth0".to_string()]);
    }
}
