//! The `agora` binary itself: configuration errors, migrate, create-user, graceful shutdown.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn agora(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agora"));
    command
        .current_dir(dir)
        .env_remove("AGORA_DATABASE_URL")
        .env("AGORA_DATA_DIR", dir.join("data"));
    command
}

#[test]
fn a_bad_setting_is_named_with_a_fix_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let output = agora(dir.path())
        .env("AGORA_DATABASE__POOL_SIZE", "lots")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("database.pool_size")
            && stderr.contains("fix:")
            && stderr.contains("AGORA_DATABASE__POOL_SIZE"),
        "{stderr}"
    );

    let output = agora(dir.path())
        .env("AGORA_LISTEN", "not-an-address")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("listen"));

    std::fs::write(dir.path().join("bad.toml"), "[database]\npool_sise = 3\n").unwrap();
    let output = agora(dir.path())
        .args(["--config", "bad.toml", "migrate"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("pool_sise"));
}

#[test]
fn migrate_and_create_user_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = agora(dir.path()).arg("migrate").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.path().join("data/agora.db").exists());

    let mut child = agora(dir.path())
        .args([
            "admin",
            "create-user",
            "--email",
            "root@example.com",
            "--name",
            "Root",
            "--kind",
            "admin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("created Root <root@example.com> as admin")
    );

    let mut child = agora(dir.path())
        .args([
            "admin",
            "create-user",
            "--email",
            "x@example.com",
            "--name",
            "X",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("password"));
}

#[test]
fn help_explains_every_command() {
    let output = Command::new(env!("CARGO_BIN_EXE_agora"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for command in [
        "serve", "migrate", "admin", "export", "import", "backup", "restore",
    ] {
        assert!(help.contains(command), "{help}");
    }
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = agora(dir.path())
        .env("AGORA_LISTEN", format!("127.0.0.1:{port}"))
        .env("AGORA_LOG__LEVEL", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut line = String::new();
    while !line.contains("Agora is serving") {
        line.clear();
        assert!(
            log.read_line(&mut line).unwrap() > 0 && Instant::now() < deadline,
            "server did not start"
        );
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut log, &mut rest).unwrap();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit {exit:?}; log: {rest}");
    assert!(rest.contains("stopped"), "{rest}");
}

#[test]
fn search_check_finds_a_stale_index_and_reindex_mends_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], input: &[u8]| {
        let mut child = agora(dir.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let output = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    };
    let (ok, text) = run(&["search", "check"], b"");
    assert!(ok, "an empty instance matches its empty index: {text}");
    // Written with no server running: nothing has indexed this person yet.
    let create = [
        "admin",
        "create-user",
        "--email",
        "ana@example.com",
        "--name",
        "Ana Ortega",
    ];
    assert!(run(&create, b"correct horse battery\n").0);
    let (ok, text) = run(&["search", "check"], b"");
    assert!(
        !ok && text.contains("DIFF person: 0 indexed, 1 in the database"),
        "{text}"
    );
    assert!(text.contains("agora reindex"), "the fix is named: {text}");
    let (ok, text) = run(&["reindex"], b"");
    assert!(
        ok && text.contains("search index rebuilt: 0 posts and 1 people"),
        "{text}"
    );
    let (ok, text) = run(&["search", "check", "--sample", "5"], b"");
    assert!(ok, "{text}");
}
