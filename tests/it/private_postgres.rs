//! A PostgreSQL server of the test's own, on a free port, made with `initdb` and run with
//! `pg_ctl`: for what cannot be done to the shared server (take only TLS, be stopped and
//! started again under load).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The server certificate and key a TLS-only server presents, as PEM.
pub struct ServerCertificate {
    pub certificate: String,
    pub key: String,
}

/// A running server; stopped (immediately) and removed when dropped.
pub struct PrivatePostgres {
    bin: PathBuf,
    data: PathBuf,
    options: String,
    log: PathBuf,
    pub port: u16,
    /// Holds the cluster and its log; removed last.
    _dir: tempfile::TempDir,
}

/// The directory of PostgreSQL's server programs (`initdb`, `pg_ctl`), newest version first.
pub fn server_programs() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort_by_key(|bin| {
        let version = bin.parent().and_then(|v| v.file_name());
        version.and_then(|v| v.to_str()?.parse::<u32>().ok())
    });
    found.pop()
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Runs a server program as the `postgres` user when we are root (PostgreSQL refuses root).
fn as_server_user(program: &Path) -> Command {
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Hands `paths` to the `postgres` user when we are root.
fn give_to_server_user(paths: &[&Path]) {
    if running_as_root() {
        run(Command::new("chown").arg("postgres:").args(paths));
    }
}

impl PrivatePostgres {
    /// A new cluster from the server programs in `bin`, started; with `tls`, it presents that
    /// certificate and refuses every connection without TLS.
    pub fn start(bin: PathBuf, tls: Option<&ServerCertificate>) -> PrivatePostgres {
        let dir = tempfile::Builder::new()
            .prefix("agora-pg")
            .tempdir()
            .unwrap();
        give_to_server_user(&[dir.path()]);
        let data = dir.path().join("cluster");
        run(as_server_user(&bin.join("initdb"))
            .args(["--auth=trust", "--username=postgres", "--no-sync", "-D"])
            .arg(&data));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            dir.path().display()
        );
        if let Some(tls) = tls {
            let (cert, key) = (data.join("server.crt"), data.join("server.key"));
            std::fs::write(&cert, &tls.certificate).unwrap();
            std::fs::write(&key, &tls.key).unwrap();
            give_to_server_user(&[&cert, &key]);
            run(Command::new("chmod").arg("600").arg(&key));
            // Host connections without TLS are refused outright.
            std::fs::write(
                data.join("pg_hba.conf"),
                "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 0.0.0.0/0 reject\n",
            )
            .unwrap();
            options.push_str(" -c ssl=on");
        }
        let server = PrivatePostgres {
            bin,
            data,
            options,
            log: dir.path().join("server.log"),
            port,
            _dir: dir,
        };
        server.start_again();
        server
    }

    /// Starts the stopped server on the same port and data; returns when it accepts
    /// connections.
    pub fn start_again(&self) {
        run(as_server_user(&self.bin.join("pg_ctl"))
            .args(["-w", "-t", "30", "-D"])
            .arg(&self.data)
            .args(["-o", &self.options, "-l"])
            .arg(&self.log)
            .arg("start"));
    }

    /// Stops the server the way a crash would: no checkpoint, connections cut.
    pub fn crash(&self) {
        run(as_server_user(&self.bin.join("pg_ctl"))
            .args(["-m", "immediate", "-D"])
            .arg(&self.data)
            .arg("stop"));
    }

    /// A URL of this server's `postgres` database, with extra libpq parameters.
    pub fn url(&self, host: &str, parameters: &str) -> String {
        format!(
            "postgres://postgres@{host}:{}/postgres?{parameters}",
            self.port
        )
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = as_server_user(&self.bin.join("pg_ctl"))
            .args(["-m", "immediate", "-D"])
            .arg(&self.data)
            .arg("stop")
            .output();
    }
}
