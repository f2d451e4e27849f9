//! A fault-injecting TCP proxy for acceptance tests: it sits between a binary and a real server
//! (OpenBao, moto) and cuts a response after a number of bytes or takes the endpoint away for a
//! while, so tests can show what a user sees when a server dies mid-stream or S3 goes away
//! mid-upload, without mocking either side.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A TCP proxy for fault injection; stops accepting when dropped.
pub struct Proxy {
    /// `http://127.0.0.1:<port>`: point the client here instead of at the upstream.
    pub addr: String,
    stop: Arc<AtomicBool>,
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
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
        let stop2 = Arc::clone(&stop);
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
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match c_in.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if let Fault::OutageOnUploadPart(d) = fault {
                            let chunk = String::from_utf8_lossy(&buf[..n]);
                            if chunk.contains("PUT /")
                                && chunk.contains("partNumber=")
                                && !tripped.swap(true, Ordering::SeqCst)
                            {
                                *outage.lock().unwrap_or_else(PoisonError::into_inner) =
                                    Some(Instant::now() + d);
                                for s in
                                    all.lock().unwrap_or_else(PoisonError::into_inner).drain(..)
                                {
                                    let _ = s.shutdown(Shutdown::Both);
                                }
                                break;
                            }
                        }
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
                        total += n;
                        if c_out.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = c_out.shutdown(Shutdown::Write);
                });
            }
        });
        Self { addr, stop }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr.trim_start_matches("http://"));
    }
}
