//! `agora serve` and `agora migrate`.

use super::build;
use crate::config::Config;
use crate::{db, http};

/// Serves the app until SIGTERM or Ctrl-C: in-flight requests finish, then the workers stop.
pub fn serve(config: Config) -> Result<(), String> {
    let addr = config.listen;
    let public_url = config.public_url();
    let app = build(config)?;
    let listener =
        std::net::TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let runtime = actix_web::rt::System::new();
    runtime.block_on(async move {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let workers = app
            .spawn_workers(stopped)
            .map_err(|e| format!("cannot start the workers: {}", e.detail))?;
        let server = http::server(app, &workers, listener).map_err(|e| e.to_string())?;
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(|e| format!("cannot watch for SIGTERM: {e}"))?;
        let handle = server.handle();
        actix_web::rt::spawn(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            tracing::info!("stopping: finishing in-flight requests");
            handle.stop(true).await;
        });
        tracing::info!(%addr, %public_url, "Agora is serving; open {public_url}");
        server.await.map_err(|e| e.to_string())?;
        // In-flight requests are done: now the workers, which ends every live stream.
        let _ = stop.send(true);
        tracing::info!("stopped");
        Ok(())
    })
}

/// Applies pending migrations and says how many.
pub fn migrate(config: Config) -> Result<(), String> {
    let app = build(config)?;
    let pending = app
        .db
        .read(db::migrations::run_pending)
        .map_err(|e| e.detail)?;
    println!(
        "database is up to date ({} migrations applied now)",
        pending.len()
    );
    Ok(())
}
