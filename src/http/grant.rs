//! How an OAuth 2.0 token is asked for: with a client secret (a form, a JSON body, or Basic
//! auth), or with a signed assertion (RFC 7523) that proves a key instead of a secret: a client
//! assertion for the client credentials grant (`private_key_jwt`: an Okta service app's key, an
//! Entra app's certificate) or the JWT bearer grant of a Google service account impersonating an
//! administrator (domain-wide delegation).
//!
//! Keys are resolved when the provider is built (a key that cannot sign is a configuration
//! error, named before any request) and live only in [`Secret`]s; an assertion lives five
//! minutes and is made anew for every token.

use std::path::Path;

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::Secret;

/// How a kind's token endpoint wants the client secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStyle {
    /// A form with `client_id` and `client_secret` (RFC 6749 §2.3.1, the common case).
    Form,
    /// A JSON body (BlueJeans).
    Json,
    /// `Authorization: Basic base64(client_id:client_secret)` and a form with only the grant
    /// (BeyondTrust Remote Support / PRA).
    BasicForm,
}

/// `client_assertion_type` of RFC 7523 §2.2.
const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// `grant_type` of RFC 7523 §2.1.
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// How long an assertion is good for.
const ASSERTION_SECONDS: i64 = 300;

/// A private key that signs assertions: RSA (RS256, or PS256 beside a certificate) or EC P-256
/// (ES256), from PEM.
#[derive(Clone)]
pub struct SigningKey {
    pem: Secret,
    rsa: bool,
}

impl SigningKey {
    pub fn from_pem(pem: Secret) -> Result<SigningKey, String> {
        if EncodingKey::from_rsa_pem(pem.expose().as_bytes()).is_ok() {
            return Ok(SigningKey { pem, rsa: true });
        }
        if EncodingKey::from_ec_pem(pem.expose().as_bytes()).is_ok() {
            return Ok(SigningKey { pem, rsa: false });
        }
        Err("not an RSA or EC (P-256) private key in PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)".into())
    }

    fn encoding_key(&self) -> Result<EncodingKey, String> {
        let bytes = self.pem.expose().as_bytes();
        let key = if self.rsa { EncodingKey::from_rsa_pem(bytes) } else { EncodingKey::from_ec_pem(bytes) };
        key.map_err(|e| format!("the private key cannot sign: {e}"))
    }

    /// A signed JWT of `claims`, with `kid` or the certificate's thumbprint in its header.
    fn sign(&self, claims: &serde_json::Value, kid: Option<&str>, x5t_s256: Option<&str>) -> Result<String, String> {
        let alg = match (self.rsa, x5t_s256.is_some()) {
            (false, _) => Algorithm::ES256,
            // Entra documents PS256 with the certificate's SHA-256 thumbprint.
            (true, true) => Algorithm::PS256,
            (true, false) => Algorithm::RS256,
        };
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_string);
        header.x5t_s256 = x5t_s256.map(str::to_string);
        jsonwebtoken::encode(&header, claims, &self.encoding_key()?).map_err(|e| format!("signing the assertion failed: {e}"))
    }
}

/// How a token is asked for.
#[derive(Clone)]
pub enum Grant {
    /// Client credentials with the client secret.
    Secret { client_secret: Secret, style: TokenStyle },
    /// Client credentials with a client assertion signed by the client's key.
    ClientAssertion { key: SigningKey, kid: Option<String>, x5t_s256: Option<String> },
    /// The JWT bearer grant: an assertion by `issuer` (a service account) for `subject`.
    JwtBearer { key: SigningKey, issuer: String, subject: String, kid: Option<String> },
}

/// A Google service account's JSON key, as the console downloads it.
#[derive(serde::Deserialize)]
struct ServiceAccountKey {
    client_email: String,
    private_key: String,
    #[serde(default)]
    private_key_id: Option<String>,
    #[serde(default)]
    token_uri: Option<String>,
}

impl Grant {
    /// A client assertion grant from a private key, with the certificate whose thumbprint names
    /// it (Entra) or the key id (Okta).
    pub fn client_assertion(pem: Secret, kid: Option<String>, certificate: Option<&Path>) -> Result<Grant, String> {
        let key = SigningKey::from_pem(pem)?;
        let x5t_s256 = match certificate {
            Some(path) => Some(thumbprint(path)?),
            None => None,
        };
        Ok(Grant::ClientAssertion { key, kid, x5t_s256 })
    }

    /// The JWT bearer grant of a Google service account key (JSON), impersonating `subject`.
    /// Returns the grant, the key's token endpoint and the service account's email.
    pub fn google_service_account(json: &Secret, subject: &str) -> Result<(Grant, Option<String>, String), String> {
        let key: ServiceAccountKey = serde_json::from_str(json.expose())
            .map_err(|e| format!("not a service account's JSON key (client_email, private_key, token_uri): {e}"))?;
        let signing = SigningKey::from_pem(Secret::new(key.private_key))?;
        let email = key.client_email.clone();
        let grant = Grant::JwtBearer { key: signing, issuer: key.client_email, subject: subject.to_string(), kid: key.private_key_id };
        Ok((grant, key.token_uri, email))
    }

    /// The form of the token request (and, for Basic, the header), for `token_url`.
    pub fn form(&self, token_url: &str, client_id: &str, scope: Option<&str>) -> Result<Vec<(&'static str, String)>, String> {
        let now = chrono::Utc::now().timestamp();
        let jti = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let mut form = Vec::new();
        match self {
            Grant::Secret { client_secret, .. } => {
                form.push(("grant_type", "client_credentials".to_string()));
                form.push(("client_id", client_id.to_string()));
                form.push(("client_secret", client_secret.expose().to_string()));
            }
            Grant::ClientAssertion { key, kid, x5t_s256 } => {
                let claims = json!({"iss": client_id, "sub": client_id, "aud": token_url, "iat": now, "nbf": now,
                                    "exp": now + ASSERTION_SECONDS, "jti": jti});
                form.push(("grant_type", "client_credentials".to_string()));
                form.push(("client_id", client_id.to_string()));
                form.push(("client_assertion_type", CLIENT_ASSERTION_TYPE.to_string()));
                form.push(("client_assertion", key.sign(&claims, kid.as_deref(), x5t_s256.as_deref())?));
            }
            Grant::JwtBearer { key, issuer, subject, kid } => {
                let mut claims = json!({"iss": issuer, "sub": subject, "aud": token_url, "iat": now, "exp": now + ASSERTION_SECONDS});
                if let Some(s) = scope {
                    claims["scope"] = json!(s);
                }
                form.push(("grant_type", JWT_BEARER.to_string()));
                form.push(("assertion", key.sign(&claims, kid.as_deref(), None)?));
                return Ok(form);
            }
        }
        if let Some(s) = scope {
            form.push(("scope", s.to_string()));
        }
        Ok(form)
    }

    /// The secret values a token request carries, for redaction (a key never leaves as itself).
    pub fn secret_values(&self) -> Vec<String> {
        match self {
            Grant::Secret { client_secret, .. } => vec![client_secret.expose().to_string()],
            Grant::ClientAssertion { key, .. } | Grant::JwtBearer { key, .. } => vec![key.pem.expose().to_string()],
        }
    }

    /// What to check when the token endpoint refuses.
    pub fn check_hint(&self) -> &'static str {
        match self {
            Grant::Secret { .. } => {
                "check auth.client_id and the client secret, and that the API client is allowed the client_credentials grant"
            }
            Grant::ClientAssertion { .. } => {
                "check auth.client_id, that the public key (or certificate) of auth.private_key is registered with the client, its key_id, and the scopes granted"
            }
            Grant::JwtBearer { .. } => {
                "check that the service account's client id is authorised for domain-wide delegation with these scopes, and that auth.subject is an administrator"
            }
        }
    }
}

/// The base64url SHA-256 thumbprint of a PEM certificate's DER (`x5t#S256`).
fn thumbprint(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("certificate {}: {e}", path.display()))?;
    let begin = text.find("-----BEGIN CERTIFICATE-----").ok_or_else(|| format!("certificate {}: no PEM certificate", path.display()))?;
    let body: String = text[begin..].lines().skip(1).take_while(|l| !l.starts_with("-----END")).flat_map(|l| l.trim().chars()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| format!("certificate {}: not base64 PEM: {e}", path.display()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&der)))
}
