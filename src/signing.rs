//! Ed25519 signatures over `manifest.json`: the manifest holds the SHA-256 of every file of the
//! pack, so one signature over its exact bytes seals the whole pack.
//!
//! Owns: reading keys (PKCS#8 / SPKI PEM as OpenSSL writes them, or the raw 32 bytes in hex or
//! base64), the `manifest.json.sig` format, signing and checking. Must not: print or log a private
//! key; the signing key is read from a secret reference and lives only as long as one signature.

use std::path::Path;

use base64::Engine as _;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
pub use ed25519_dalek::VerifyingKey;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::SecretRef;

/// The signature file written next to `manifest.json`.
pub const SIGNATURE_FILE: &str = "manifest.json.sig";
pub const ALGORITHM: &str = "Ed25519";

/// `manifest.json.sig`: a detached signature over the exact bytes of `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SignatureFile {
    pub algorithm: String,
    pub signed_file: String,
    /// SHA-256 of the signed bytes, so a changed manifest is named as such before the signature is checked.
    pub signed_sha256: String,
    /// SHA-256 of the 32-byte public key: which key to ask for.
    pub public_key_sha256: String,
    /// Base64 of the 64-byte signature.
    pub signature: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SigningError {
    #[error("evidence.signing_key ({source_name}): {detail}")]
    PrivateKey { source_name: String, detail: String },
    #[error("public key {file}: {detail}")]
    PublicKey { file: String, detail: String },
    #[error("{file}: {detail}")]
    SignatureFile { file: String, detail: String },
}

/// A private key read from its secret reference. No `Debug`: nothing of it is ever printed.
pub struct EvidenceKey {
    key: SigningKey,
}

impl EvidenceKey {
    /// Resolves the secret and reads the key in it.
    pub fn load(secret: &SecretRef) -> Result<EvidenceKey, SigningError> {
        let source_name = secret.describe();
        let value = secret.resolve().map_err(|detail| SigningError::PrivateKey { source_name: source_name.clone(), detail })?;
        let key = parse_private_key(value.expose()).map_err(|detail| SigningError::PrivateKey { source_name, detail })?;
        Ok(EvidenceKey { key })
    }

    pub fn from_seed(seed: [u8; 32]) -> EvidenceKey {
        EvidenceKey { key: SigningKey::from_bytes(&seed) }
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public key as SPKI PEM, the form `--public-key` reads.
    pub fn public_key_pem(&self) -> String {
        use ed25519_dalek::pkcs8::EncodePublicKey;
        self.public_key().to_public_key_pem(Default::default()).unwrap_or_default()
    }

    /// The private key as PKCS#8 PEM (for tests and for writing a fresh key).
    pub fn private_key_pem(&self) -> String {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        self.key.to_pkcs8_pem(Default::default()).map(|p| p.to_string()).unwrap_or_default()
    }

    /// Signs `bytes` (the manifest) into the signature file's content.
    pub fn sign(&self, bytes: &[u8], signed_file: &str) -> SignatureFile {
        let signature: Signature = self.key.sign(bytes);
        SignatureFile {
            algorithm: ALGORITHM.into(),
            signed_file: signed_file.into(),
            signed_sha256: hex::encode(Sha256::digest(bytes)),
            public_key_sha256: fingerprint(&self.public_key()),
            signature: base64::engine::general_purpose::STANDARD.encode(signature.to_bytes()),
        }
    }
}

/// SHA-256 (hex) of the 32 raw bytes of a public key: the name a key goes by in messages and in the manifest.
pub fn fingerprint(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The 32 bytes written as 64 hex digits or as base64.
fn raw_32(text: &str) -> Option<[u8; 32]> {
    let t = text.trim();
    let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(t).ok()?
    } else {
        base64::engine::general_purpose::STANDARD.decode(t).ok()?
    };
    bytes.try_into().ok()
}

fn parse_private_key(text: &str) -> Result<SigningKey, String> {
    let t = text.trim();
    if t.contains("-----BEGIN") {
        if t.contains("BEGIN PUBLIC KEY") {
            return Err("found a public key; the signing key is the private one (-----BEGIN PRIVATE KEY-----)".into());
        }
        if t.contains("BEGIN ENCRYPTED PRIVATE KEY") || t.contains("BEGIN OPENSSH PRIVATE KEY") {
            return Err(
                "found an encrypted or OpenSSH key; expected an unencrypted PKCS#8 PEM (openssl genpkey -algorithm ed25519 -out key.pem)"
                    .into(),
            );
        }
        // Only what is between the markers: a key file may carry a comment before it.
        let start = t.find("-----BEGIN").unwrap_or(0);
        return SigningKey::from_pkcs8_pem(&t[start..])
            .map_err(|e| format!("not an Ed25519 PKCS#8 private key ({e}); expected what `openssl genpkey -algorithm ed25519` writes"));
    }
    raw_32(t).map(|seed| SigningKey::from_bytes(&seed)).ok_or_else(|| {
        "expected an Ed25519 private key: PKCS#8 PEM (-----BEGIN PRIVATE KEY-----), or the 32-byte seed in hex or base64".into()
    })
}

/// Reads a public key file: SPKI PEM (`openssl pkey -in key.pem -pubout`), or the 32 bytes in hex or base64.
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, SigningError> {
    let file = path.display().to_string();
    let err = |detail: String| SigningError::PublicKey { file: file.clone(), detail };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read it: {e}")))?;
    let t = text.trim();
    if t.contains("PRIVATE KEY-----") {
        return Err(err(
            "this is a private key; verification takes the public key (openssl pkey -in key.pem -pubout -out public.pem)".into()
        ));
    }
    if t.contains("-----BEGIN") {
        let start = t.find("-----BEGIN").unwrap_or(0);
        return VerifyingKey::from_public_key_pem(&t[start..])
            .map_err(|e| err(format!("not an Ed25519 public key in SPKI PEM ({e}); expected -----BEGIN PUBLIC KEY-----")));
    }
    let bytes = raw_32(t)
        .ok_or_else(|| err("expected an Ed25519 public key: SPKI PEM (-----BEGIN PUBLIC KEY-----), or 32 bytes in hex or base64".into()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| err(format!("not a valid Ed25519 public key: {e}")))
}

/// Reads `manifest.json.sig`.
pub fn read_signature_file(path: &Path) -> Result<SignatureFile, SigningError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| SigningError::SignatureFile { file: file.clone(), detail: format!("cannot read it: {e}") })?;
    serde_json::from_str(&text).map_err(|e| SigningError::SignatureFile { file, detail: format!("not a signature file of this tool: {e}") })
}

/// Why a signature does not hold.
#[derive(Debug, Clone, PartialEq)]
pub enum SignatureProblem {
    /// The manifest's bytes are not the ones that were signed.
    ManifestChanged,
    /// Signed with another key than the one given.
    OtherKey {
        signed_by: String,
        given: String,
    },
    /// Same key, but the signature does not verify (the signature itself was altered).
    Invalid(String),
    Unsupported(String),
}

impl std::fmt::Display for SignatureProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignatureProblem::ManifestChanged => f.write_str("manifest.json is not the file that was signed (it changed after signing)"),
            SignatureProblem::OtherKey { signed_by, given } => {
                write!(f, "signed with another key (public key sha256 {signed_by}), not the one given (sha256 {given})")
            }
            SignatureProblem::Invalid(why) => write!(f, "the signature does not verify with the given key: {why}"),
            SignatureProblem::Unsupported(why) => f.write_str(why),
        }
    }
}

/// Checks `sig` over `manifest` with `key`.
pub fn check(sig: &SignatureFile, manifest: &[u8], key: &VerifyingKey) -> Result<(), SignatureProblem> {
    if sig.algorithm != ALGORITHM {
        return Err(SignatureProblem::Unsupported(format!("algorithm {:?}; this version checks {ALGORITHM}", sig.algorithm)));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sig.signature.trim())
        .map_err(|e| SignatureProblem::Invalid(format!("the signature is not base64: {e}")))?;
    let signature = Signature::from_slice(&bytes).map_err(|e| SignatureProblem::Invalid(format!("not an Ed25519 signature: {e}")))?;
    let given = fingerprint(key);
    if key.verify(manifest, &signature).is_ok() {
        return Ok(());
    }
    if hex::encode(Sha256::digest(manifest)) != sig.signed_sha256 {
        return Err(SignatureProblem::ManifestChanged);
    }
    if sig.public_key_sha256 != given {
        return Err(SignatureProblem::OtherKey { signed_by: sig.public_key_sha256.clone(), given });
    }
    Err(SignatureProblem::Invalid("the signature was altered, or made over other bytes".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_with_its_key_and_fails_with_another() {
        let a = EvidenceKey::from_seed([7; 32]);
        let b = EvidenceKey::from_seed([8; 32]);
        let sig = a.sign(b"{\"x\":1}\n", "manifest.json");
        assert_eq!(check(&sig, b"{\"x\":1}\n", &a.public_key()), Ok(()));
        assert!(matches!(check(&sig, b"{\"x\":1}\n", &b.public_key()), Err(SignatureProblem::OtherKey { .. })));
        assert_eq!(check(&sig, b"{\"x\":2}\n", &a.public_key()), Err(SignatureProblem::ManifestChanged));
        let mut forged = sig.clone();
        let mut raw = base64::engine::general_purpose::STANDARD.decode(&forged.signature).unwrap();
        raw[3] ^= 1;
        forged.signature = base64::engine::general_purpose::STANDARD.encode(raw);
        assert!(matches!(check(&forged, b"{\"x\":1}\n", &a.public_key()), Err(SignatureProblem::Invalid(_))));
    }

    #[test]
    fn keys_read_from_pem_hex_and_base64() {
        let k = EvidenceKey::from_seed([9; 32]);
        let pem = k.private_key_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(parse_private_key(&format!("# evidence key\n{pem}")).unwrap().verifying_key(), k.public_key());
        assert_eq!(parse_private_key(&hex::encode([9u8; 32])).unwrap().verifying_key(), k.public_key());
        assert_eq!(
            parse_private_key(&base64::engine::general_purpose::STANDARD.encode([9u8; 32])).unwrap().verifying_key(),
            k.public_key()
        );
        assert!(parse_private_key(&k.public_key_pem()).unwrap_err().contains("public key"));
        assert!(parse_private_key("hunter2").unwrap_err().contains("expected an Ed25519 private key"));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pub.pem");
        std::fs::write(&p, k.public_key_pem()).unwrap();
        assert_eq!(read_public_key(&p).unwrap(), k.public_key());
        std::fs::write(&p, &pem).unwrap();
        assert!(read_public_key(&p).unwrap_err().to_string().contains("private key"));
    }
}
