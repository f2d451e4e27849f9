//! The go-plugin serving contract, on the example provider binary started as Terraform starts
//! it: health reports `plugin` SERVING, the stdio and broker streams open, the provider service
//! answers, SIGINT is survived, and `GRPCController.Shutdown` makes the process exit cleanly;
//! `--debug` prints a usable `TF_REATTACH_PROVIDERS` value without the magic cookie.

#![allow(clippy::unwrap_used)] // reason: a failed unwrap here is a test failure

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tfplugin::proto::plugin;
use tfplugin::proto::tfplugin6 as pb;
use tonic::transport::Channel;

fn provider_binary() -> PathBuf {
    // Integration tests live in <target>/<profile>/deps; `cargo test` builds the examples into
    // <target>/<profile>/examples before running them.
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|p| p.parent())
        .unwrap()
        .join("examples")
        .join("terraform-provider-tfplugintest");
    assert!(
        path.is_file(),
        "{} is built by `cargo test`",
        path.display()
    );
    path
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

async fn check_services_and_shut_down(addr: &str, mut child: Child) {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();

    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    let mut stdio = plugin::grpc_stdio_client::GrpcStdioClient::new(channel.clone());
    let mut stdio_stream = stdio.stream_stdio(()).await.unwrap().into_inner();
    let mut broker = plugin::grpc_broker_client::GrpcBrokerClient::new(channel.clone());
    let mut broker_stream = broker
        .start_stream(tokio_stream::pending::<plugin::ConnInfo>())
        .await
        .unwrap()
        .into_inner();

    let mut provider = pb::provider_client::ProviderClient::new(channel.clone());
    let schema = provider
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(schema.resource_schemas.contains_key("tfplugintest_thing"));

    let mut controller = plugin::grpc_controller_client::GrpcControllerClient::new(channel);
    controller.shutdown(plugin::Empty {}).await.unwrap();
    // The open streams end with the server instead of holding shutdown up.
    assert!(stdio_stream.message().await.map_or(true, |m| m.is_none()));
    assert!(broker_stream.message().await.map_or(true, |m| m.is_none()));
    let status =
        wait_exit(&mut child, Duration::from_secs(5)).expect("the provider exits after Shutdown");
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn health_streams_and_controller_shutdown() {
    let mut child = Command::new(provider_binary())
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.split('|').nth(3).unwrap().to_owned();
    // Ctrl-C reaches the whole process group; the host, not the signal, stops the provider.
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let early = wait_exit(&mut child, Duration::from_millis(300));
    assert!(early.is_none(), "SIGINT stopped the provider: {early:?}");
    check_services_and_shut_down(&addr, child).await;
}

#[tokio::test]
async fn debug_mode_prints_reattach_config() {
    let mut child = Command::new(provider_binary())
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let reader = BufReader::new(child.stdout.take().unwrap());
    let line = reader
        .lines()
        .map(Result::unwrap)
        .find(|l| l.contains("TF_REATTACH_PROVIDERS="))
        .unwrap();
    let json = line.split_once('=').unwrap().1.trim().trim_matches('\'');
    let reattach: serde_json::Value = serde_json::from_str(json).unwrap();
    let entry = &reattach["registry.terraform.io/vaultpki/tfplugintest"];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Pid"], child.id());
    assert_eq!(entry["Addr"]["Network"], "tcp");
    let addr = entry["Addr"]["String"].as_str().unwrap().to_owned();
    check_services_and_shut_down(&addr, child).await;
}
