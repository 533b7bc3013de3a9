//! Rebuilds when a migration is added: `embed_migrations!` reads the folders, and cargo
//! only watches the files it was told of.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
