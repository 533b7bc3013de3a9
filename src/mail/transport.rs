//! Where mail goes: an SMTP server (`AGORA_SMTP_URL`), or `.eml` files under
//! `<data_dir>/mail` when none is set.

use std::path::PathBuf;
use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::outbox::Outcome;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Longest wait for an SMTP server before the attempt counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

impl Transport {
    /// From `smtp://host:port` (plain), `smtp://host:587?tls=starttls`, or
    /// `smtps://user:pass@host:465` (implicit TLS); `None`: files in `mail_dir`.
    pub fn new(smtp_url: Option<&str>, mail_dir: PathBuf) -> Result<Transport, String> {
        let Some(url) = smtp_url else {
            return Ok(Transport::Files(mail_dir));
        };
        // Our `tls=starttls` is what the SMTP library calls `tls=required`.
        let url = url.replace("tls=starttls", "tls=required");
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .map_err(|e| format!("smtp_url: {e}"))?;
        Ok(Transport::Smtp(builder.timeout(Some(SMTP_TIMEOUT)).build()))
    }

    pub async fn deliver(&self, id: i64, message: Message) -> Outcome {
        match self {
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Outcome::Sent,
                Err(error) if error.is_permanent() => Outcome::Refused(error.to_string()),
                Err(error) => Outcome::Retry(error.to_string()),
            },
            Transport::Files(dir) => write_file(dir, id, &message.formatted()).await,
        }
    }
}

/// Writes `<dir>/<id>.eml` whole or not at all (temporary file, then rename); writing it
/// again replaces it, so a retry never makes two.
async fn write_file(dir: &std::path::Path, id: i64, bytes: &[u8]) -> Outcome {
    let (dir, bytes) = (dir.to_path_buf(), bytes.to_vec());
    let shown = dir.display().to_string();
    let written = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)?;
        let temporary = dir.join(format!("{id}.eml.tmp"));
        std::fs::write(&temporary, bytes)?;
        std::fs::rename(&temporary, dir.join(format!("{id}.eml")))
    })
    .await;
    match written {
        Ok(Ok(())) => Outcome::Sent,
        Ok(Err(error)) => Outcome::Retry(format!("{shown}: {error}")),
        Err(error) => Outcome::Retry(format!("{shown}: {error}")),
    }
}
