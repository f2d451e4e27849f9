//! Reading the PEM arguments of the functions: one certificate, or a bundle of several, with a
//! message that says which argument is wrong and how.

use tfplugin::{FunctionError, Value};

/// The string argument `index`.
pub(super) fn string_arg(args: &[Value], index: usize) -> Result<&str, FunctionError> {
    let i = i64::try_from(index).unwrap_or(i64::MAX);
    args.get(index)
        .and_then(Value::as_str)
        .ok_or_else(|| FunctionError::argument(i, "Expected a string."))
}

/// The DER of every `CERTIFICATE` block in `text`, in order. Other PEM blocks (keys, CSRs) are
/// refused rather than skipped: passing a key where a certificate belongs is a mistake worth
/// naming.
pub(super) fn certificates(text: &str, index: usize) -> Result<Vec<Vec<u8>>, FunctionError> {
    let i = i64::try_from(index).unwrap_or(i64::MAX);
    let mut out = Vec::new();
    let mut rest = text.as_bytes();
    loop {
        match x509_parser::pem::parse_x509_pem(rest) {
            Ok((tail, pem)) => {
                if pem.label != "CERTIFICATE" {
                    return Err(FunctionError::argument(
                        i,
                        format!(
                            "Expected PEM `CERTIFICATE` blocks, found a `{}` block.",
                            pem.label
                        ),
                    ));
                }
                out.push(pem.contents);
                rest = tail;
            }
            Err(_) if !out.is_empty() && rest.iter().all(u8::is_ascii_whitespace) => break,
            Err(_) if out.is_empty() => {
                return Err(FunctionError::argument(
                    i,
                    "Not a PEM certificate: expected a `-----BEGIN CERTIFICATE-----` block.",
                ));
            }
            Err(e) => {
                return Err(FunctionError::argument(
                    i,
                    format!(
                        "PEM block {} after the certificates cannot be read: {e}.",
                        out.len() + 1
                    ),
                ));
            }
        }
    }
    Ok(out)
}
