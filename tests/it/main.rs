//! The one integration-test binary: every test runs the real app over HTTP on SQLite and, when
//! AGORA_TEST_DATABASE_URL is set, on PostgreSQL.

#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot go on should fail loudly"
)]

mod support;

mod access_matrix;
mod account_deletion;
mod accounts;
mod announcements;
mod atom;
mod audit;
mod auth;
mod backup;
mod bots;
mod cli;
mod database;
mod digests;
mod events;
mod faults;
mod files;
mod guests;
mod http;
mod links;
mod mail;
mod microblog;
mod moderation;
mod network_archive;
mod notifications;
mod outbound;
mod pages;
mod polls;
mod previews;
mod private_postgres;
mod process;
mod questions;
mod recommendations;
mod remembered_scopes;
mod saved;
mod scim;
mod search;
mod security_settings;
mod several_servers;
mod sign_in_links;
mod single_sign_on;
mod smtp;
mod snapshots;
mod sorting;
mod stream;
mod tls_postgres;
mod upgrade;
mod user_exports;
mod webhooks;
