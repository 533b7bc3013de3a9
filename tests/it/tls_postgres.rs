//! TLS to PostgreSQL, as managed services require it: a throwaway PostgreSQL server that only
//! takes TLS connections, with a certificate authority and server certificate made here, and
//! Agora connecting to it with `sslmode=verify-full`.

use diesel::sql_types::Bool;
use diesel::{QueryableByName, RunQueryDsl};
use reqwest::StatusCode;

use crate::private_postgres::{PrivatePostgres, ServerCertificate, server_programs};
use crate::support::{TestApp, TestDb, postgres_configured};

/// A certificate authority named `ca_name` and a server certificate it signed for
/// `localhost`, as PEM.
struct Certificates {
    ca: String,
    server: ServerCertificate,
}

fn issue_certificates(ca_name: &str) -> Certificates {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::new()).unwrap();
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ca_name);
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca, &ca_key)
        .unwrap();
    Certificates {
        ca: ca.pem(),
        server: ServerCertificate {
            certificate: server.pem(),
            key: server_key.serialize_pem(),
        },
    }
}

#[derive(QueryableByName)]
struct Encrypted {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

#[actix_web::test]
async fn agora_runs_on_a_postgresql_that_requires_tls_and_verifies_its_certificate() {
    agora::init_tls();
    // Needs PostgreSQL's server programs; where tests run on PostgreSQL (CI) they are there.
    let Some(bin) = server_programs().filter(|_| postgres_configured()) else {
        return;
    };
    let certificates = issue_certificates("Agora test CA");
    let server = PrivatePostgres::start(bin, Some(&certificates.server));
    let trust = tempfile::tempdir().unwrap();
    let ca = trust.path().join("ca.pem");
    std::fs::write(&ca, &certificates.ca).unwrap();
    let verified = server.url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    );

    // The whole app: migrations, a post, its search, over verified TLS.
    let app = TestApp::start_on(TestDb::at(&verified), &[]).await;
    let admin = app.admin().await;
    let post = admin
        .created(
            "/api/v1/posts",
            serde_json::json!({"body": "Encrypted all the way down"}),
        )
        .await;
    let (status, _) = admin.get(&format!("/api/v1/posts/{post}")).await;
    assert_eq!(status, StatusCode::OK);
    let pool = app.db.open();
    let encrypted: Encrypted = pool
        .read(|conn| {
            Ok(
                diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    .get_result(conn)?,
            )
        })
        .unwrap();
    assert!(encrypted.ssl, "the connection is not encrypted");

    // What verify-full refuses, each with libpq's own reason in the error.
    let config = agora::config::Config::load(None, Vec::new()).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let other_ca = elsewhere.path().join("other.pem");
    std::fs::write(&other_ca, issue_certificates("Some other CA").ca).unwrap();
    let refused = [
        (server.url("localhost", "sslmode=disable"), "no encryption"),
        (
            server.url(
                "localhost",
                &format!("sslmode=verify-full&sslrootcert={}", other_ca.display()),
            ),
            "certificate verify failed",
        ),
        (
            server.url(
                "127.0.0.1",
                &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
            ),
            "does not match host name",
        ),
    ];
    for (url, reason) in refused {
        let mut settings = config.database.clone();
        settings.pool_timeout_secs = 2;
        let error = agora::db::Db::connect(&url, &settings)
            .and_then(|db| db.read(|conn| Ok(diesel::sql_query("SELECT 1").execute(conn)?)))
            .err()
            .unwrap_or_else(|| panic!("{url} connected"));
        assert!(
            error.detail.contains(reason),
            "{url}: expected {reason:?} in {}",
            error.detail
        );
    }
}
