//! Durations as OpenBao/Vault write them in their APIs and as hashicorp/vault's provider stores
//! them: a number of seconds, or Go-style units (`"90m"`, `"72h"`, `"2h30m"`, `"7d"`).

/// Seconds from `"3600"`, `"3600s"`, `"90m"`, `"1h"` or `"2h30m"` or `"7d"`; `None` for anything else.
pub(crate) fn parse_seconds(s: &str) -> Option<i64> {
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        let n: i64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    digits.is_empty().then_some(total)
}
