//! Where an action came from: the client's address and software, as the HTTP side saw them,
//! or Agora itself for what its workers and commands do.

use serde::Serialize;

/// The address and user agent of the request an action came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// Software of the client, as it named itself (at most 300 characters).
    pub user_agent: String,
    /// The client's address: the TCP peer, or the one a trusted proxy forwarded
    /// (`http::extract::client_ip`).
    pub ip: String,
}

impl Origin {
    /// Agora itself: a background task (guests expiring, retention) with no request behind it.
    pub fn system() -> Origin {
        Origin {
            user_agent: "agora (system)".to_string(),
            ip: String::new(),
        }
    }

    /// The `agora` command line, run by whoever operates the server.
    pub fn command_line() -> Origin {
        Origin {
            user_agent: "agora (command line)".to_string(),
            ip: String::new(),
        }
    }
}
