//! Tries to open TCP and UDP sockets, and reports what it got.

use mend_sdk::{Frame, Hooks, Manifest, Params, PluginError, Processor};

struct Plugin;

fn manifest() -> Manifest {
    Manifest::processor("test-open-socket", "Open socket", env!("CARGO_PKG_VERSION"))
        .with_hooks(Hooks::TOOL)
        .with_description("Tries to open TCP and UDP sockets, and reports what it got.")
}

/// Marker in the report for anything the sandbox let through.
pub const LEAK: &str = "LEAKED";

impl Processor for Plugin {
    fn manifest() -> Manifest {
        manifest()
    }

    /// Always fails; the error lists each attempt, `denied (…)` or marked [`LEAK`].
    fn process(_input: Frame, _params: &Params) -> Result<Frame, PluginError> {
        let mut report = Vec::new();
        match std::net::TcpStream::connect("127.0.0.1:9") {
            Ok(_) => report.push(format!("tcp connect 127.0.0.1:9: {LEAK}")),
            Err(e) => report.push(format!("tcp connect 127.0.0.1:9: denied ({e})")),
        }
        match std::net::TcpListener::bind("127.0.0.1:0") {
            Ok(_) => report.push(format!("tcp bind 127.0.0.1:0: {LEAK}")),
            Err(e) => report.push(format!("tcp bind 127.0.0.1:0: denied ({e})")),
        }
        match std::net::UdpSocket::bind("127.0.0.1:0") {
            Ok(_) => report.push(format!("udp bind 127.0.0.1:0: {LEAK}")),
            Err(e) => report.push(format!("udp bind 127.0.0.1:0: denied ({e})")),
        }
        Err(PluginError::failed(format!(
            "open-socket: {}",
            report.join("; ")
        )))
    }
}

mend_sdk::export_processor!(Plugin);
