//! Reading a response body within bounds, and a transport error in words: what every request
//! of the engine (the token fetch included) shares.

/// Of an error or a retried response, only this much is read (for the message), then the
/// connection is dropped.
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Why a body could not be read whole.
pub(crate) enum BodyError {
    TooLarge,
    Transport(reqwest::Error),
}

/// Reads a response body, at most `limit` bytes: a body that would be longer is not read on
/// (the connection is dropped), so a server that streams without end cannot exhaust memory.
pub(crate) async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::with_capacity(response.content_length().map_or(16 * 1024, |n| n as usize));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The start of an error body, as text (what fits in [`ERROR_BODY_LIMIT`]).
pub(crate) async fn error_text(response: reqwest::Response) -> String {
    match read_capped(response, ERROR_BODY_LIMIT).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    }
}

/// A transport error in words, with the cause chain (TLS problems hide in the source).
pub(crate) fn transport_detail(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    let text = parts.join(": ");
    if text.to_lowercase().contains("certificate") || text.contains("UnknownIssuer") {
        format!("{text} — the server's TLS certificate is not trusted: if it comes from a private CA, set ca_file = \"path/to/ca.pem\" on this app")
    } else {
        text
    }
}
