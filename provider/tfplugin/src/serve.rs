//! Serving a provider the way go-plugin does, so that Terraform and OpenTofu can start it:
//! check the magic cookie, negotiate the protocol version, listen on 127.0.0.1 within the host's
//! port range, set up AutoMTLS when the host sends its certificate, print the handshake line,
//! and serve the provider next to go-plugin's health, controller, stdio and broker services
//! until the host asks for shutdown.
//!
//! Stdin is never read (go-plugin hosts keep it open or closed at will) and SIGINT is ignored
//! while serving for a host: on Ctrl-C the host itself receives the signal and stops the
//! provider through the protocol.

use std::io::Write;
use std::pin::Pin;
use std::process::ExitCode;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::transport::server::Connected;
use tonic::{Request, Response, Status, Streaming};

use crate::Provider;
use crate::proto::plugin;
use crate::server::{MAX_MESSAGE_SIZE, provider_service};

/// The environment variable go-plugin hosts set to prove the process was started by them.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Its value for Terraform and OpenTofu providers.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The plugin protocol major version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 6;
/// go-plugin's own (core) protocol version, the first field of the handshake line.
const CORE_PROTOCOL_VERSION: u32 = 1;
/// How long a graceful shutdown may take before serving returns anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The provider's full source address, e.g. `registry.terraform.io/example/example`; used in
    /// the `TF_REATTACH_PROVIDERS` value printed in debug mode.
    pub provider_address: String,
    /// Debug mode: no magic cookie needed, no TLS, and the reattach value is printed so that
    /// Terraform can attach to this process (e.g. one running under a debugger).
    pub debug: bool,
}

impl ServeOptions {
    /// Options from the command line: `--debug` turns on debug mode.
    pub fn from_args(provider_address: impl Into<String>) -> Self {
        Self {
            provider_address: provider_address.into(),
            debug: std::env::args().skip(1).any(|a| a == "--debug"),
        }
    }
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The process was not started by Terraform/OpenTofu (no magic cookie).
    #[error(
        "this program is a Terraform/OpenTofu provider plugin and is started by Terraform or \
         OpenTofu; run `terraform init` (or `tofu init`) in a configuration that uses it instead \
         of running it directly, or pass --debug to serve it for TF_REATTACH_PROVIDERS"
    )]
    NotStartedByHost,
    /// The host does not speak plugin protocol 6.
    #[error(
        "the host offers plugin protocol versions {0:?}, but this provider speaks only version 6; use Terraform 1.0 or later or OpenTofu"
    )]
    UnsupportedProtocol(String),
    /// No port could be bound.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(String),
    /// AutoMTLS setup failed.
    #[error("setting up TLS with the host: {0}")]
    Tls(String),
    /// The gRPC server failed.
    #[error("gRPC server failed: {0}")]
    Transport(String),
    /// Writing the handshake line failed.
    #[error("writing the handshake to stdout: {0}")]
    Stdout(std::io::Error),
}

/// The whole `main` of a provider binary: serves `provider` and returns the exit code (0 after a
/// clean shutdown, 1 after printing `name: error` on stderr).
pub fn main<P: Provider>(provider: P, provider_address: &str) -> ExitCode {
    let options = ServeOptions::from_args(provider_address);
    // One thread: a provider's work is waiting on the host and on HTTP, and Terraform's
    // parallelism is a handful of requests. A worker pool only added cross-thread wake-ups:
    // the 500-role benchmark measured 15-30% less provider CPU with this runtime.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}: starting the async runtime: {e}", program_name());
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(provider, options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", program_name());
            ExitCode::FAILURE
        }
    }
}

fn program_name() -> String {
    std::env::args()
        .next()
        .and_then(|p| {
            std::path::Path::new(&p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "provider".to_owned())
}

/// Serves `provider` until the host shuts it down.
pub async fn serve<P: Provider>(provider: P, options: ServeOptions) -> Result<(), ServeError> {
    if !options.debug && std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() != Some(MAGIC_COOKIE_VALUE)
    {
        return Err(ServeError::NotStartedByHost);
    }
    crate::log::install_from_env();
    if let Ok(versions) = std::env::var("PLUGIN_PROTOCOL_VERSIONS") {
        let speaks_6 = versions
            .split(',')
            .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
        if !speaks_6 {
            return Err(ServeError::UnsupportedProtocol(versions));
        }
    }
    let listener = listen().await?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError::Listen(e.to_string()))?;
    let tls = match std::env::var("PLUGIN_CLIENT_CERT") {
        Ok(pem) if !options.debug && !pem.trim().is_empty() => {
            Some(crate::tls::auto_mtls(&pem).map_err(|e| ServeError::Tls(e.0))?)
        }
        _ => None,
    };

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let acceptor = tls
        .as_ref()
        .map(|t| tokio_rustls::TlsAcceptor::from(t.config.clone()));
    let incoming = accept_loop(listener, acceptor, shutdown_rx.clone());

    let cert_field = tls.as_ref().map_or_else(String::new, |t| {
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(t.server_cert.as_ref())
    });
    spawn_signal_handler(options.debug, shutdown_tx.clone());
    let mut stdout = std::io::stdout().lock();
    if options.debug {
        let reattach = serde_json::json!({
            options.provider_address.clone(): {
                "Protocol": "grpc",
                "ProtocolVersion": PROTOCOL_VERSION,
                "Pid": std::process::id(),
                "Test": true,
                "Addr": { "Network": "tcp", "String": addr.to_string() },
            }
        });
        writeln!(
            stdout,
            "Provider started. To attach Terraform or OpenTofu, set TF_REATTACH_PROVIDERS:\n\n\tTF_REATTACH_PROVIDERS='{reattach}'\n"
        )
        .map_err(ServeError::Stdout)?;
    } else {
        writeln!(
            stdout,
            "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|tcp|{addr}|grpc|{cert_field}"
        )
        .map_err(ServeError::Stdout)?;
    }
    stdout.flush().map_err(ServeError::Stdout)?;
    drop(stdout);
    if !options.debug {
        release_stdout();
    }

    let router = tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(provider_service(provider))
        .add_service(
            plugin::grpc_controller_server::GrpcControllerServer::new(Controller {
                shutdown: shutdown_tx.clone(),
            })
            .max_decoding_message_size(MAX_MESSAGE_SIZE),
        )
        .add_service(plugin::grpc_stdio_server::GrpcStdioServer::new(Stdio {
            shutdown: shutdown_rx.clone(),
        }))
        .add_service(plugin::grpc_broker_server::GrpcBrokerServer::new(Broker {
            shutdown: shutdown_rx.clone(),
        }));
    let mut done = shutdown_rx.clone();
    let server = router.serve_with_incoming_shutdown(incoming, async move {
        let _ = done.wait_for(|stop| *stop).await;
    });
    let mut deadline = shutdown_rx;
    tokio::select! {
        result = server => result.map_err(|e| ServeError::Transport(e.to_string())),
        () = async move {
            let _ = deadline.wait_for(|stop| *stop).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => {
            tracing::warn!("graceful shutdown took too long; exiting anyway");
            Ok(())
        }
    }
}

/// After the handshake the host only logs what the plugin writes to stdout, and go-plugin
/// clients race at exit between reading that pipe and closing it ("error encountered while
/// scanning stdout: file already closed", go-plugin #298). Pointing fd 1 at stderr closes our end
/// of the pipe now, so the host reads EOF long before exit, while later stdout output still
/// reaches the host's log through stderr.
fn release_stdout() {
    #[cfg(unix)]
    if let Err(e) = rustix::stdio::dup2_stdout(std::io::stderr()) {
        tracing::debug!("could not redirect stdout to stderr: {e}");
    }
}

/// Binds 127.0.0.1 within `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT` when the host sets them, any free
/// port otherwise.
async fn listen() -> Result<TcpListener, ServeError> {
    let port = |key: &str| std::env::var(key).ok().and_then(|v| v.parse::<u16>().ok());
    let (min, max) = match (port("PLUGIN_MIN_PORT"), port("PLUGIN_MAX_PORT")) {
        (Some(min), Some(max)) if min <= max => (min, max),
        _ => (0, 0),
    };
    let mut last_error = None;
    for p in min..=max {
        match TcpListener::bind(("127.0.0.1", p)).await {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(ServeError::Listen(format!(
        "no free port in {min}..={max}: {}",
        last_error.map_or_else(|| "empty range".to_owned(), |e| e.to_string())
    )))
}

/// On Unix, SIGINT goes to the whole process group on Ctrl-C; a plugin must survive it and let
/// the host stop it (StopProvider, then GRPCController.Shutdown). In debug mode the user runs
/// the provider by hand, so Ctrl-C stops it. The handler is registered before the handshake line
/// is printed, so there is no moment at which a host-driven plugin dies of SIGINT.
fn spawn_signal_handler(debug: bool, shutdown: watch::Sender<bool>) {
    #[cfg(unix)]
    let mut interrupts =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("cannot handle SIGINT: {e}");
                return;
            }
        };
    tokio::spawn(async move {
        loop {
            #[cfg(unix)]
            let received = interrupts.recv().await.is_some();
            #[cfg(not(unix))]
            let received = tokio::signal::ctrl_c().await.is_ok();
            if !received {
                return;
            }
            if debug {
                let _ = shutdown.send(true);
                return;
            }
            tracing::debug!("ignoring SIGINT; the host stops the provider");
        }
    });
}

/// Accepts TCP connections (and TLS handshakes, each in its own task) until shutdown.
fn accept_loop(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) -> ReceiverStream<Result<Conn, std::io::Error>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = shutdown.wait_for(|stop| *stop) => return,
            };
            let (stream, _) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let tx = tx.clone();
            match acceptor.clone() {
                None => {
                    let _ = tx.send(Ok(Conn::Tcp(stream))).await;
                }
                Some(acceptor) => {
                    tokio::spawn(async move {
                        match acceptor.accept(stream).await {
                            Ok(tls) => {
                                let _ = tx.send(Ok(Conn::Tls(Box::new(tls)))).await;
                            }
                            // A failed handshake is one bad connection, not a server failure.
                            Err(e) => tracing::warn!("TLS handshake with the host failed: {e}"),
                        }
                    });
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

/// One accepted connection, plain or TLS.
enum Conn {
    Tcp(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl Connected for Conn {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    /// Vectored writes let h2 hand over a response's frames (headers, data, trailers) in one
    /// call, so they leave in one `writev` (one TLS flush) rather than one per frame part.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Tcp(s) => s.is_write_vectored(),
            Self::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// `plugin.GRPCController`: the host's request to exit.
struct Controller {
    shutdown: watch::Sender<bool>,
}

#[tonic::async_trait]
impl plugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: Request<plugin::Empty>,
    ) -> Result<Response<plugin::Empty>, Status> {
        let _ = self.shutdown.send(true);
        Ok(Response::new(plugin::Empty {}))
    }
}

type Pending<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A stream that yields nothing and ends at shutdown, so that graceful shutdown is not held up.
fn until_shutdown<T: Send + 'static>(shutdown: watch::Receiver<bool>) -> Pending<T> {
    Box::pin(
        tokio_stream::once(())
            .then(move |()| {
                let mut shutdown = shutdown.clone();
                async move {
                    let _ = shutdown.wait_for(|stop| *stop).await;
                }
            })
            .filter_map(|()| None),
    )
}

/// `plugin.GRPCStdio`: this crate leaves stdout/stderr as they are (the host reads them
/// directly), so the stream carries nothing and stays open until shutdown.
struct Stdio {
    shutdown: watch::Receiver<bool>,
}

#[tonic::async_trait]
impl plugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = Pending<plugin::StdioData>;

    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(until_shutdown(self.shutdown.clone())))
    }
}

/// `plugin.GRPCBroker`: providers open no extra connections; the stream stays idle.
struct Broker {
    shutdown: watch::Receiver<bool>,
}

#[tonic::async_trait]
impl plugin::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = Pending<plugin::ConnInfo>;

    async fn start_stream(
        &self,
        _request: Request<Streaming<plugin::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        Ok(Response::new(until_shutdown(self.shutdown.clone())))
    }
}
