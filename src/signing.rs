//! Signed, expiring tokens (JWT, HS256 pinned) for session cookies and, later, links in
//! emails. The key comes from config, or is generated once into the data directory (0600).

use std::io::Write;
use std::path::Path;

use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Serialize, de::DeserializeOwned};
use sha2::Sha256;

use crate::error::{Error, Result};

/// File name of the generated key inside the data directory.
const KEY_FILE: &str = "secret.key";

/// Signs and verifies tokens with one secret.
#[derive(Clone)]
pub struct Signer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The raw secret, for MACs of short values that must not be JWTs (feed tokens in URLs).
    secret: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(***)")
    }
}

impl Signer {
    /// A signer for `secret`.
    pub fn new(secret: &[u8]) -> Signer {
        Signer {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            secret: secret.to_vec(),
        }
    }

    /// Uses `configured`, or the key in `data_dir`, generating it on first start.
    pub fn load_or_generate(configured: Option<&str>, data_dir: &Path) -> Result<Signer> {
        if let Some(secret) = configured {
            return Ok(Signer::new(secret.as_bytes()));
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(secret) => return Ok(Signer::new(secret.trim().as_bytes())),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::internal(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
            }
            Err(_) => {}
        }
        std::fs::create_dir_all(data_dir)
            .map_err(|e| Error::internal(format!("cannot create {}: {e}", data_dir.display())))?;
        let secret = hex::encode(rand::random::<[u8; 32]>());
        write_private(&path, &secret)
            .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
        Ok(Signer::new(secret.as_bytes()))
    }

    /// Signs `claims`; they should carry an `exp`.
    pub fn sign(&self, claims: &impl Serialize) -> Result<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(Error::internal)
    }

    /// HMAC-SHA256 of `data` under this key, kept apart by `purpose`, so that a MAC made for
    /// one purpose never passes as one made for another.
    pub fn mac(&self, purpose: &str, data: &[u8]) -> Result<[u8; 32]> {
        Ok(self.hmac(purpose, data)?.finalize().into_bytes().into())
    }

    /// Whether `tag` is [`Signer::mac`] of `data` for `purpose`, compared in constant time.
    pub fn verify_mac(&self, purpose: &str, data: &[u8], tag: &[u8]) -> Result<bool> {
        Ok(self.hmac(purpose, data)?.verify_slice(tag).is_ok())
    }

    fn hmac(&self, purpose: &str, data: &[u8]) -> Result<Hmac<Sha256>> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.secret).map_err(Error::internal)?;
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        Ok(mac)
    }

    /// The claims of a token this signer made and that has not expired; `None` otherwise.
    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Option<T> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        jsonwebtoken::decode::<T>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// How [`adopt_key`] went.
#[derive(Debug, PartialEq, Eq)]
pub enum Adopted {
    /// `data_dir` had no key; it now has this one.
    Installed,
    /// `data_dir` has this key already.
    Same,
    /// `data_dir` has another key, which stays.
    Kept,
}

/// Makes `secret` (another instance's key file, moved here) the key of `data_dir` unless
/// that has one already.
pub fn adopt_key(data_dir: &Path, secret: &str) -> std::io::Result<Adopted> {
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join(KEY_FILE);
    match write_private(&path, secret) {
        Ok(()) => Ok(Adopted::Installed),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let current = std::fs::read_to_string(&path)?;
            Ok(match current.trim() == secret.trim() {
                true => Adopted::Same,
                false => Adopted::Kept,
            })
        }
        Err(e) => Err(e),
    }
}

/// Creates `path` readable by its owner only, failing if it already exists (a concurrent
/// first start keeps the other process's key).
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// Compares secrets without an early exit that timing could reveal.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Claims {
        sub: String,
        exp: i64,
    }

    #[test]
    fn tokens_verify_only_with_their_key_and_before_expiry() {
        let signer = Signer::new(b"0123456789abcdef0123456789abcdef");
        let exp = chrono::Utc::now().timestamp() + 60;
        let token = signer
            .sign(&Claims {
                sub: "1".into(),
                exp,
            })
            .unwrap();
        assert_eq!(
            signer.verify::<Claims>(&token),
            Some(Claims {
                sub: "1".into(),
                exp
            })
        );
        assert_eq!(
            Signer::new(b"another key, another key, another").verify::<Claims>(&token),
            None
        );
        let expired = signer
            .sign(&Claims {
                sub: "1".into(),
                exp: exp - 120,
            })
            .unwrap();
        assert_eq!(signer.verify::<Claims>(&expired), None);
    }

    #[test]
    fn the_generated_key_is_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let first = Signer::load_or_generate(None, dir.path()).unwrap();
        let token = first
            .sign(&Claims {
                sub: "x".into(),
                exp: chrono::Utc::now().timestamp() + 60,
            })
            .unwrap();
        let second = Signer::load_or_generate(None, dir.path()).unwrap();
        assert!(second.verify::<Claims>(&token).is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
