//! The loopback ports the commands serve on, with errors that name the port once.

use tokio::net::TcpListener;

/// Binds 127.0.0.1:`port` (0: any free port).
pub async fn bind(port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| bind_error(port, &e))
}

/// Why 127.0.0.1:`port` could not be bound, in words.
pub fn bind_error(port: u16, e: &std::io::Error) -> anyhow::Error {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "127.0.0.1:{port} is already in use (another mnctf, or another program): stop it or choose another port"
        ),
        _ => anyhow::anyhow!("cannot listen on 127.0.0.1:{port}: {e}"),
    }
}
