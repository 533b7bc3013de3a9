//! Standard Webhooks signatures: a secret `whsec_<base64 key>`, and for each delivery
//! `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. While a rotated-out secret is still in
//! its overlap window, each delivery carries a signature by both, space-separated, so a
//! receiver holding either verifies it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

/// What every secret starts with, as the specification writes it.
const PREFIX: &str = "whsec_";

/// A new random secret: 24 bytes of key.
pub fn new_secret() -> String {
    format!("{PREFIX}{}", STANDARD.encode(rand::random::<[u8; 24]>()))
}

/// The `webhook-signature` header for `body` sent as message `id` at `timestamp` (Unix
/// seconds), signed by each of `secrets` in turn.
pub fn sign(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
    let signatures = secrets
        .iter()
        .map(|secret| signature(secret, id, timestamp, body))
        .collect::<Result<Vec<_>>>()?;
    Ok(signatures.join(" "))
}

fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
    let encoded = secret.strip_prefix(PREFIX).unwrap_or(secret);
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| Error::internal("a webhook secret is not base64"))?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).map_err(Error::internal)?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification and its reference libraries.
    #[test]
    fn signs_the_specifications_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let signed = sign(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn two_secrets_give_two_signatures() {
        let (old, new) = (new_secret(), new_secret());
        let both = sign(&[&new, &old], "msg_1", 1, b"{}").unwrap();
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], sign(&[&new], "msg_1", 1, b"{}").unwrap());
        assert_eq!(parts[1], sign(&[&old], "msg_1", 1, b"{}").unwrap());
        assert!(new.starts_with("whsec_") && new != old);
    }
}
