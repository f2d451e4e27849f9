//! Verification against synthetic snapshots built the way the server builds them, plus the
//! damaged variants that must be rejected.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::*;

fn record(key: &str, value: &[u8]) -> Vec<u8> {
    let mut msg = Vec::new();
    msg.push(0x0a);
    put_varint(&mut msg, key.len() as u64);
    msg.extend_from_slice(key.as_bytes());
    msg.push(0x12);
    put_varint(&mut msg, value.len() as u64);
    msg.extend_from_slice(value);
    let mut out = Vec::new();
    put_varint(&mut out, msg.len() as u64);
    out.extend(msg);
    out
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(crate) fn state_bin() -> Vec<u8> {
    let mut s = Vec::new();
    for (k, v) in [
        ("core/audit", &b"x"[..]),
        ("core/mounts", &[7u8; 300][..]),
        ("sys/token/id/abc", b"yy"),
        ("logical/123/secret", &[1u8; 70000][..]),
        ("nokeyslash", b""),
    ] {
        s.extend(record(k, v));
    }
    s
}

/// Builds a snapshot archive; `tamper` may change the state after the sums were computed.
pub(crate) fn build(state: &[u8], tamper: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let meta = format!(
        r#"{{"Version":1,"ID":"bolt-snapshot","Index":42,"Term":3,"Peers":null,"Configuration":{{"Servers":[]}},"ConfigurationIndex":1,"Size":{}}}"#,
        state.len()
    );
    let sums = format!(
        "{}  meta.json\n{}  state.bin\n",
        sha256_hex(meta.as_bytes()),
        sha256_hex(state)
    );
    let mut state = state.to_vec();
    tamper(&mut state);
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in [
        (META_JSON, meta.as_bytes()),
        (STATE_BIN, &state[..]),
        (SHA256SUMS, sums.as_bytes()),
        (SHA256SUMS_SEALED, b"sealed-bytes"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        h.set_cksum();
        tar.append_data(&mut h, name, data).unwrap();
    }
    let tar = tar.into_inner().unwrap();
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

#[test]
fn valid_snapshot_reports_index_term_and_prefixes() {
    let state = state_bin();
    let file = build(&state, |_| {});
    let r = verify_reader(&file[..]).unwrap();
    assert_eq!((r.index, r.term, r.version), (42, 3, 1));
    assert_eq!(r.id, "bolt-snapshot");
    assert_eq!(r.state_bytes, state.len() as u64);
    assert_eq!(r.file_bytes, file.len() as u64);
    assert_eq!(r.entries, 5);
    assert_eq!(r.prefixes["core/"], 2);
    assert_eq!(r.prefixes["sys/"], 1);
    assert_eq!(r.prefixes["logical/"], 1);
    assert_eq!(r.prefixes["nokeyslash"], 1);
}

#[test]
fn empty_file_is_rejected() {
    assert!(matches!(verify_reader(&b""[..]), Err(VerifyError::Empty)));
}

#[test]
fn every_truncation_is_rejected() {
    let file = build(&state_bin(), |_| {});
    for cut in [
        1,
        10,
        file.len() / 3,
        file.len() / 2,
        file.len() - 9,
        file.len() - 1,
    ] {
        let err = verify_reader(&file[..cut]).unwrap_err();
        assert!(
            matches!(err, VerifyError::Corrupt(_) | VerifyError::Missing(_)),
            "cut at {cut}: {err:?}"
        );
    }
}

#[test]
fn flipped_byte_in_state_is_a_checksum_mismatch() {
    let file = build(&state_bin(), |s| s[70] ^= 0x01);
    let err = verify_reader(&file[..]).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::ChecksumMismatch {
                member: STATE_BIN,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn flipped_byte_in_compressed_file_is_rejected() {
    let file = build(&state_bin(), |_| {});
    let plain = gunzip(&file).unwrap();
    let mut rejected = 0;
    for pos in 10..file.len() {
        let mut bad = file.clone();
        bad[pos] ^= 0x40;
        match verify_reader(&bad[..]) {
            Err(_) => rejected += 1,
            // A flip in bits the decoder never uses (Huffman table entries of unused symbols)
            // leaves the content byte-for-byte identical; anything else must be rejected.
            Ok(_) => assert_eq!(gunzip(&bad).unwrap(), plain, "flip at {pos} accepted"),
        }
    }
    assert!(rejected > file.len() / 2);
}

#[test]
fn malformed_record_is_reported_with_position() {
    let mut state = state_bin();
    state.extend([0x05, 0x0a, 0x09]);
    let file = build(&state, |_| {});
    let err = verify_reader(&file[..]).unwrap_err();
    assert!(
        matches!(err, VerifyError::BadRecord { record: 5, .. }),
        "{err:?}"
    );
}

#[test]
fn missing_member_is_reported() {
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(2);
    h.set_cksum();
    tar.append_data(&mut h, META_JSON, &b"{}"[..]).unwrap();
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&tar.into_inner().unwrap()).unwrap();
    let err = verify_reader(&gz.finish().unwrap()[..]).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Invalid {
                member: META_JSON,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn not_gzip_is_corrupt() {
    let err = verify_reader(&b"this is not a snapshot"[..]).unwrap_err();
    assert!(matches!(err, VerifyError::Corrupt(_)), "{err:?}");
}

#[test]
fn varints_and_prefixes() {
    let mut buf = Vec::new();
    put_varint(&mut buf, 300);
    assert_eq!(read_varint(&mut &buf[..]).unwrap(), Some(300));
    assert_eq!(read_varint(&mut &b""[..]).unwrap(), None);
    assert!(read_varint(&mut &[0x80u8][..]).is_err());
    assert_eq!(prefix_of(b"core/mounts"), "core/");
    assert_eq!(prefix_of(b"plain"), "plain");
}

fn gunzip(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::bufread::GzDecoder::new(data).read_to_end(&mut out)?;
    Ok(out)
}
