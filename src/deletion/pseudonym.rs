//! The pseudonym a deleted account keeps in the audit log: a keyed hash of its id, the same
//! on every server of the installation, that nobody can turn back into the id without the
//! signing key.

use crate::error::Result;
use crate::ids::UserId;
use crate::signing::Signer;

/// Keeps these hashes apart from every other MAC made with the key.
const PURPOSE: &str = "account-deletion-pseudonym";
/// Hex digits kept: 64 bits, ample to tell a company's former accounts apart.
const LENGTH: usize = 16;

/// `id`'s pseudonym, such as `3f9a0c21d4e5b687`.
pub fn pseudonym(signer: &Signer, id: UserId) -> Result<String> {
    let mac = signer.mac(PURPOSE, &id.0.to_be_bytes())?;
    let mut text = hex::encode(mac);
    text.truncate(LENGTH);
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pseudonym_is_stable_per_key_and_hides_the_id() {
        let signer = Signer::new(b"a test key of at least thirty-two bytes");
        let first = pseudonym(&signer, UserId(42)).unwrap();
        assert_eq!(first, pseudonym(&signer, UserId(42)).unwrap());
        assert_eq!(first.len(), LENGTH);
        assert_ne!(first, pseudonym(&signer, UserId(43)).unwrap());
        let other = Signer::new(b"another key of at least thirty-two bytes");
        assert_ne!(first, pseudonym(&other, UserId(42)).unwrap());
    }
}
