//! A fault-injecting TCP proxy for acceptance tests: it sits between a binary and a real server
//! (OpenBao, moto) and cuts a response after a number of bytes, pauses it, flips a body byte, or
//! takes the endpoint away for a while (and counts the part uploads it passes), so tests can show
//! what a user sees when a server dies mid-stream or S3 goes away mid-upload, without mocking
//! either side.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A TCP proxy for fault injection; stops accepting when dropped.
pub struct Proxy {
    /// `http://127.0.0.1:<port>`: point the client here instead of at the upstream.
    pub addr: String,
    stop: Arc<AtomicBool>,
    tripped: Arc<AtomicBool>,
    parts: Arc<AtomicUsize>,
}

/// What the proxy does to the traffic it passes.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Close each connection once this many response bytes have passed (a server dying
    /// mid-stream, from the client's side).
    CutResponseAfter(usize),
    /// On the first multipart `UploadPart` request, drop every connection and refuse new ones
    /// for this long (an S3 endpoint going away while parts upload), then pass traffic again.
    OutageOnUploadPart(Duration),
    /// On the first multipart `UploadPart` request, stop passing bytes in either direction on
    /// every connection, old and new, for this long (an S3 endpoint that hangs), then resume.
    FreezeOnUploadPart(Duration),
    /// Once this many response bytes have passed on a connection, stop passing its response
    /// for this long (a server that pauses mid-stream), then resume.
    FreezeResponseAfter(usize, Duration),
    /// Flip the lowest bit of the response body byte at this offset (HTTP framing, chunked or
    /// not, is left intact): a snapshot corrupted in transit.
    FlipBodyByteAt(u64),
    /// Pass everything untouched (to count part uploads, see [`Proxy::parts_seen`]).
    Pass,
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `upstream` (`host:port` or
    /// `http://host:port`), applying `fault`.
    pub fn start(upstream: &str, fault: Fault) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener =
            TcpListener::bind("127.0.0.1:0").expect("a free loopback port for the proxy");
        let addr = format!(
            "http://{}",
            listener
                .local_addr()
                .expect("a bound listener has an address")
        );
        let stop = Arc::new(AtomicBool::new(false));
        let outage_until: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
        let tripped = Arc::new(AtomicBool::new(false));
        let frozen_until: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
        let stop2 = Arc::clone(&stop);
        let tripped_flag = Arc::clone(&tripped);
        let parts = Arc::new(AtomicUsize::new(0));
        let parts_seen = Arc::clone(&parts);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                if outage_until
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .is_some_and(|t| Instant::now() < t)
                {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                conns
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(client.try_clone().expect("cloning a socket handle"));
                conns
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(server.try_clone().expect("cloning a socket handle"));
                let (mut c_in, mut s_out) = (
                    client.try_clone().expect("cloning a socket handle"),
                    server.try_clone().expect("cloning a socket handle"),
                );
                let (outage, tripped, all) = (
                    Arc::clone(&outage_until),
                    Arc::clone(&tripped),
                    Arc::clone(&conns),
                );
                let (frozen_in, frozen_out) =
                    (Arc::clone(&frozen_until), Arc::clone(&frozen_until));
                let (parts_in, tripped_out) = (Arc::clone(&parts_seen), Arc::clone(&tripped));
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match c_in.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if is_upload_part(&buf[..n]) {
                            parts_in.fetch_add(1, Ordering::SeqCst);
                        }
                        if let Fault::OutageOnUploadPart(d) = fault
                            && first_upload_part(&buf[..n], &tripped)
                        {
                            *outage.lock().unwrap_or_else(PoisonError::into_inner) =
                                Some(Instant::now() + d);
                            for s in all.lock().unwrap_or_else(PoisonError::into_inner).drain(..) {
                                let _ = s.shutdown(Shutdown::Both);
                            }
                            break;
                        }
                        if let Fault::FreezeOnUploadPart(d) = fault
                            && first_upload_part(&buf[..n], &tripped)
                        {
                            *frozen_in.lock().unwrap_or_else(PoisonError::into_inner) =
                                Some(Instant::now() + d);
                        }
                        wait_while_frozen(&frozen_in);
                        if s_out.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = s_out.shutdown(Shutdown::Write);
                });
                let (mut s_in, mut c_out) = (server, client);
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 1024];
                    let mut total = 0usize;
                    let mut body = BodyTracker::default();
                    loop {
                        let n = match s_in.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if let Fault::CutResponseAfter(limit) = fault
                            && total + n >= limit
                        {
                            let _ = c_out.write_all(&buf[..limit - total]);
                            let _ = c_out.shutdown(Shutdown::Both);
                            let _ = s_in.shutdown(Shutdown::Both);
                            return;
                        }
                        if let Fault::FreezeResponseAfter(limit, d) = fault
                            && total < limit
                            && total + n >= limit
                        {
                            tripped_out.store(true, Ordering::SeqCst);
                            std::thread::sleep(d);
                        }
                        if let Fault::FlipBodyByteAt(at) = fault {
                            for b in &mut buf[..n] {
                                if body.step(*b) == Some(at) {
                                    *b ^= 0x01;
                                    tripped_out.store(true, Ordering::SeqCst);
                                }
                            }
                        }
                        total += n;
                        wait_while_frozen(&frozen_out);
                        if c_out.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = c_out.shutdown(Shutdown::Write);
                });
            }
        });
        Self {
            addr,
            stop,
            tripped: tripped_flag,
            parts,
        }
    }

    /// Whether the fault has been triggered (the first `UploadPart` was seen, the response
    /// froze, the byte was flipped).
    pub fn tripped(&self) -> bool {
        self.tripped.load(Ordering::SeqCst)
    }

    /// How many multipart `UploadPart` requests have passed so far.
    pub fn parts_seen(&self) -> usize {
        self.parts.load(Ordering::SeqCst)
    }
}

/// Follows HTTP/1.1 response framing byte by byte (headers, `Content-Length` or chunked
/// bodies, keep-alive), to tell body bytes and their offset from framing.
#[derive(Default)]
struct BodyTracker {
    state: BodyState,
    line: Vec<u8>,
    chunked: bool,
    length: u64,
    offset: u64,
}

#[derive(Default, Clone, Copy)]
enum BodyState {
    #[default]
    Headers,
    ChunkSize,
    ChunkData(u64),
    ChunkEnd(u8),
    Trailer,
    Fixed(u64),
}

impl BodyTracker {
    /// Feeds one response byte; returns its body offset if it is a body byte.
    fn step(&mut self, b: u8) -> Option<u64> {
        match self.state {
            BodyState::Headers | BodyState::ChunkSize | BodyState::Trailer => {
                if b != b'\n' {
                    self.line.push(b);
                    return None;
                }
                let line = String::from_utf8_lossy(&self.line)
                    .trim_end_matches('\r')
                    .to_ascii_lowercase();
                self.line.clear();
                self.state = match self.state {
                    BodyState::Headers if line.is_empty() => {
                        self.offset = 0;
                        let state = if self.chunked {
                            BodyState::ChunkSize
                        } else if self.length > 0 {
                            BodyState::Fixed(self.length)
                        } else {
                            BodyState::Headers
                        };
                        (self.chunked, self.length) = (false, 0);
                        state
                    }
                    BodyState::Headers => {
                        if let Some(v) = line.strip_prefix("transfer-encoding:") {
                            self.chunked = v.contains("chunked");
                        } else if let Some(v) = line.strip_prefix("content-length:") {
                            self.length = v.trim().parse().unwrap_or(0);
                        }
                        BodyState::Headers
                    }
                    BodyState::ChunkSize => {
                        let size = line.split(';').next().unwrap_or("").trim();
                        match u64::from_str_radix(size, 16).unwrap_or(0) {
                            0 => BodyState::Trailer,
                            n => BodyState::ChunkData(n),
                        }
                    }
                    _ if line.is_empty() => BodyState::Headers,
                    other => other,
                };
                None
            }
            BodyState::ChunkData(left) | BodyState::Fixed(left) => {
                let at = self.offset;
                self.offset += 1;
                self.state = match (self.state, left) {
                    (BodyState::ChunkData(_), 1) => BodyState::ChunkEnd(2),
                    (BodyState::ChunkData(_), n) => BodyState::ChunkData(n - 1),
                    (_, 1) => BodyState::Headers,
                    (_, n) => BodyState::Fixed(n - 1),
                };
                Some(at)
            }
            BodyState::ChunkEnd(left) => {
                self.state = if left == 1 {
                    BodyState::ChunkSize
                } else {
                    BodyState::ChunkEnd(left - 1)
                };
                None
            }
        }
    }
}

/// Whether `chunk` starts the first multipart `UploadPart` request seen (and marks it seen).
fn first_upload_part(chunk: &[u8], tripped: &AtomicBool) -> bool {
    is_upload_part(chunk) && !tripped.swap(true, Ordering::SeqCst)
}

/// Whether `chunk` starts a multipart `UploadPart` request.
fn is_upload_part(chunk: &[u8]) -> bool {
    let chunk = String::from_utf8_lossy(chunk);
    chunk.contains("PUT /") && chunk.contains("partNumber=")
}

fn wait_while_frozen(frozen: &Mutex<Option<Instant>>) {
    loop {
        let until = *frozen.lock().unwrap_or_else(PoisonError::into_inner);
        match until {
            Some(t) if Instant::now() < t => std::thread::sleep(Duration::from_millis(50)),
            _ => return,
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr.trim_start_matches("http://"));
    }
}
