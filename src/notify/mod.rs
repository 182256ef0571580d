//! Email: a campaign reminder as a MIME message (text, the reviewer's packet attached), sent
//! through the SMTP server of `[notify]` (STARTTLS or implicit TLS; plain only to a relay on this
//! machine), or written as an `.eml` file for a dry run. The one module that sends mail; what a
//! reminder says and the record of it are `evidence::review::remind`'s.

use std::path::Path;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use crate::config::{Notify, SmtpTls};
use crate::evidence::review::remind::Reminder;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("[notify] {key}: {detail}")]
    Config { key: &'static str, detail: String },
    #[error("the reminder to {to}: {detail}")]
    Message { to: String, detail: String },
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The Message-ID of a reminder: unique per reviewer and send, at a domain of its own.
pub fn message_id(reminder: &Reminder, salt: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{}\u{1f}{}\u{1f}{salt}", reminder.reviewer, reminder.subject).as_bytes());
    format!("<{}.remind@access-audit.invalid>", hex::encode(&digest[..12]))
}

/// The reminder as a message from `from`, its packet attached.
pub fn message(from: &str, reminder: &Reminder, message_id: &str) -> Result<Message, NotifyError> {
    let bad = |detail: String| NotifyError::Message { to: reminder.reviewer.clone(), detail };
    let from: Mailbox = from.parse().map_err(|e| bad(format!("from address \"{from}\": {e}")))?;
    let to: Mailbox = reminder.reviewer.parse().map_err(|e| bad(format!("address \"{}\": {e}", reminder.reviewer)))?;
    let mut builder = Message::builder().from(from).to(to).subject(&reminder.subject).message_id(Some(message_id.to_string()));
    if let Some(cc) = &reminder.cc {
        builder = builder.cc(cc.parse().map_err(|e| bad(format!("manager's address \"{cc}\": {e}")))?);
    }
    let packet = std::fs::read(&reminder.packet_path).map_err(|e| bad(format!("its packet {}: {e}", reminder.packet_path.display())))?;
    let name = reminder.packet_path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "packet.xlsx".into());
    let body = MultiPart::mixed()
        .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(reminder.body.clone()))
        .singlepart(Attachment::new(name).body(packet, ContentType::parse(XLSX).expect("a valid content type")));
    builder.multipart(body).map_err(|e| bad(e.to_string()))
}

/// Writes `message` to `path` (a dry run's `.eml`) as part of `batch` (synced with the others,
/// then renamed into place when the batch commits).
pub fn write_eml(batch: &crate::files::Batch, path: &Path, message: &Message) -> std::io::Result<crate::files::FileDigest> {
    batch.write(path, &message.formatted())
}

/// Where messages go.
pub enum Mailer {
    Smtp(SmtpTransport),
    /// lettre's file transport: each message an `.eml` in a directory (tests).
    File(lettre::FileTransport),
}

impl Mailer {
    /// The SMTP server of `[notify]`, its password resolved now.
    pub fn smtp(n: &Notify) -> Result<Mailer, NotifyError> {
        let config = |key, detail| NotifyError::Config { key, detail };
        let tls_parameters = || -> Result<TlsParameters, NotifyError> {
            let mut builder = TlsParameters::builder(n.host.clone());
            if let Some(path) = &n.ca_file {
                let pem = std::fs::read(path).map_err(|e| config("ca_file", format!("cannot read {}: {e}", path.display())))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| config("ca_file", format!("{}: not a PEM certificate ({e})", path.display())))?;
                builder = builder.add_root_certificate(cert);
            }
            builder.build_rustls().map_err(|e| config("tls", e.to_string()))
        };
        let tls = match n.tls {
            SmtpTls::StartTls => Tls::Required(tls_parameters()?),
            SmtpTls::Implicit => Tls::Wrapper(tls_parameters()?),
            SmtpTls::None => Tls::None,
        };
        let mut builder = SmtpTransport::builder_dangerous(n.host.clone()).port(n.port()).tls(tls).timeout(Some(Duration::from_secs(30)));
        match (&n.username, &n.password) {
            (Some(user), Some(password)) => {
                let secret = password.resolve().map_err(|e| config("password", e))?;
                builder = builder.credentials(Credentials::new(user.clone(), secret.expose().to_string()));
            }
            (Some(_), None) => return Err(config("password", "a username without a password".into())),
            (None, Some(_)) => return Err(config("username", "a password without a username".into())),
            (None, None) => {}
        }
        Ok(Mailer::Smtp(builder.build()))
    }

    /// Connects (TLS and login included) and says hello, sending nothing: what `check` asks.
    pub fn test_connection(&self) -> Result<(), String> {
        match self {
            Mailer::Smtp(t) => match t.test_connection() {
                Ok(true) => Ok(()),
                Ok(false) => Err("the server did not answer NOOP".into()),
                Err(e) => Err(smtp_error(&e)),
            },
            Mailer::File(_) => Ok(()),
        }
    }

    /// Sends one message; the error says what the server (or the file system) answered.
    pub fn send(&self, message: &Message) -> Result<(), String> {
        match self {
            Mailer::Smtp(t) => t.send(message).map(|_| ()).map_err(|e| smtp_error(&e)),
            Mailer::File(t) => t.send(message).map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

/// An SMTP failure in words: the server's reply where there is one.
fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
    match e.status() {
        Some(code) => format!("the server answered {code}: {e}"),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reminder(dir: &Path, cc: Option<&str>) -> Reminder {
        let packet = dir.join("ann_at_acme.com.xlsx");
        std::fs::write(&packet, b"PK-packet-bytes").unwrap();
        Reminder {
            reviewer: "ann@acme.com".into(),
            name: "Ann".into(),
            cc: cc.map(str::to_string),
            pending: 3,
            revoke: 1,
            due: Some("2027-01-31".into()),
            days_overdue: 0,
            packet: "campaign/ann_at_acme.com.xlsx".into(),
            packet_path: packet,
            subject: "Q4: 3 account(s) await your decision, due 2027-01-31".into(),
            body: "Hello Ann,\r\n".into(),
        }
    }

    #[test]
    fn lettres_file_transport_receives_the_reminder_with_its_packet_and_copy() {
        let dir = tempfile::tempdir().unwrap();
        let r = reminder(dir.path(), Some("boss@acme.com"));
        let m = message("Access review <review@acme.com>", &r, &message_id(&r, "1")).unwrap();
        let out = dir.path().join("sent");
        std::fs::create_dir(&out).unwrap();
        Mailer::File(lettre::FileTransport::new(&out)).send(&m).unwrap();
        let files: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(files[0].path()).unwrap();
        for wanted in
            ["To: ann@acme.com", "Cc: boss@acme.com", "Subject: Q4: 3 account(s) await your decision", "ann_at_acme.com.xlsx", "Hello Ann"]
        {
            assert!(text.contains(wanted), "{wanted} in {text}");
        }
        assert!(text.contains(XLSX), "{text}");
    }

    #[test]
    fn a_send_that_fails_says_why_and_a_bad_address_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let r = reminder(dir.path(), None);
        let m = message("review@acme.com", &r, "<x@y>").unwrap();
        let e = Mailer::File(lettre::FileTransport::new(dir.path().join("no/such/dir"))).send(&m).unwrap_err();
        assert!(!e.is_empty());
        let bad = Reminder { reviewer: "not an address".into(), ..r.clone() };
        let e = message("review@acme.com", &bad, "<x@y>").unwrap_err().to_string();
        assert!(e.contains("not an address"), "{e}");
        let gone = Reminder { packet_path: dir.path().join("missing.xlsx"), ..r };
        assert!(message("review@acme.com", &gone, "<x@y>").unwrap_err().to_string().contains("its packet"));
    }

    #[test]
    fn smtp_settings_are_checked_before_anything_is_sent() {
        let n = |extra: &str| -> Notify { toml::from_str(&format!("host = \"127.0.0.1\"\nfrom = \"r@acme.com\"\n{extra}")).unwrap() };
        assert!(Mailer::smtp(&n("")).is_ok());
        let e = Mailer::smtp(&n("username = \"u\"")).err().unwrap().to_string();
        assert!(e.contains("without a password"), "{e}");
        let e = Mailer::smtp(&n("ca_file = \"/no/such.pem\"")).err().unwrap().to_string();
        assert!(e.contains("ca_file") && e.contains("/no/such.pem"), "{e}");
        let e = Mailer::smtp(&n("username = \"u\"\npassword = { env = \"ACCESS_AUDIT_TEST_UNSET_SMTP\" }")).err().unwrap().to_string();
        assert!(e.contains("ACCESS_AUDIT_TEST_UNSET_SMTP"), "{e}");
    }
}
