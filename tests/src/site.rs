//! A static web server on a free loopback port serving a directory (Python's `http.server`, a
//! real static server, from the test environment's Python), over plain HTTP or over HTTPS with a
//! given certificate; stopped on drop. It stands in for where an organisation publishes files:
//! the root's CRL (guides), the provider's network mirror and registry (release).

use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::env;

/// A running static server; `url` is its base URL without a trailing slash.
pub struct StaticSite {
    child: Child,
    pub url: String,
    pub port: u16,
}

/// http.server's handler for `directory` behind a TLS socket made from `cert` and `key`.
const HTTPS: &str = "import functools, http.server, ssl, sys
port, directory, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
server = http.server.ThreadingHTTPServer(('127.0.0.1', port), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
";

impl StaticSite {
    /// Serves `dir` over plain HTTP at `http://127.0.0.1:<port>`.
    pub fn http(dir: &Path) -> Self {
        let port = free_port();
        let mut cmd = Command::new(&env().python);
        cmd.args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .arg("--directory")
        .arg(dir);
        Self::spawn(cmd, port, format!("http://127.0.0.1:{port}"))
    }

    /// Serves `dir` over HTTPS with the PEM certificate (chain) `cert` and key `key`, at
    /// `https://<name>:<port>`; `name` must be one of the certificate's names and resolve to
    /// 127.0.0.1 (see [`crate::hosts::HostsEntries`]).
    pub fn https(dir: &Path, cert: &Path, key: &Path, name: &str) -> Self {
        let port = free_port();
        let mut cmd = Command::new(&env().python);
        cmd.args(["-c", HTTPS, &port.to_string()])
            .arg(dir)
            .arg(cert)
            .arg(key);
        Self::spawn(cmd, port, format!("https://{name}:{port}"))
    }

    fn spawn(mut cmd: Command, port: u16, url: String) -> Self {
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python's http.server starts");
        let site = Self { child, url, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return site;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the static server did not listen on port {port} within 10 s");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
