//! Helpers shared by the integration tests (each test module uses some of them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes a file so that a concurrent reader sees either the old or the new content, never an
/// empty or half-written file (tests running in parallel share secret files).
pub fn write_atomic(path: &Path, content: impl AsRef<[u8]>) {
    static N: AtomicU64 = AtomicU64::new(0);
    let tmp = path.with_extension(format!("tmp-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&tmp, content).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A TLS acceptor for `127.0.0.1` and `localhost` whose certificate is signed by a private CA
/// made here, and that CA's certificate (PEM): an appliance with its own CA.
pub fn private_ca_tls() -> (tokio_rustls::TlsAcceptor, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "access-audit test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap().signed_by(&server_key, &issuer).unwrap();
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into());
    let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![server.der().clone()], key)
        .unwrap();
    (tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config)), ca.pem())
}

/// A small, complete company in `dir`: roster, one CSV app, config.
pub fn small_company(dir: &Path, extra_config: &str) -> PathBuf {
    std::fs::write(
        dir.join("hr.csv"),
        "email,employee_id,name,status,termination_date\nann@acme.com,E1,Ann,active,\nbob@acme.com,E2,Bob,terminated,2026-11-01\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("app.csv"),
        "id,email,name,role,last_login,created\n\
         1,ann@acme.com,Ann,Admin,2026-12-20,2024-01-01\n\
         2,bob@acme.com,Bob,User,2026-12-01,2024-01-01\n\
         3,eve@evil.example,=HYPERLINK(\"http://evil.example\"),User,2026-12-30,2026-12-01\n\
         4,mal@evil.example,<script>alert('x')</script>,User,2026-12-30,2026-12-01\n",
    )
    .unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[review]\nname = \"Test review\"\nas_of = \"2026-12-31\"\n[identity]\npath = \"hr.csv\"\n\
             [[apps]]\nname = \"app\"\nkind = \"csv\"\npath = \"app.csv\"\nadmin_values = [\"Admin\"]\n\
             [apps.columns]\naccount_id = \"id\"\ndisplay_name = \"name\"\nlast_login_at = \"last_login\"\ncreated_at = \"created\"\n{extra_config}"
        ),
    )
    .unwrap();
    config
}

/// Every file under `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The rows of a CSV file, without its header.
pub fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect()
}

/// The sheets of a workbook as text cells (calamine, as the import reads them).
pub fn read_sheets(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).unwrap();
            let rows = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
            (name, rows)
        })
        .collect()
}

/// Writes `sheets` as a new workbook, with `fill(sheet, row index, header, row)` deciding the
/// reviewer's cells: a reviewer filling in the workbook, done by a program.
pub fn fill_workbook(
    sheets: &[(String, Vec<Vec<String>>)],
    out: &Path,
    fill: impl Fn(&str, &[String], &[String]) -> Option<(String, String, Filled, String)>,
) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        let header = rows.first().cloned().unwrap_or_default();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, v).unwrap();
                }
            }
            if r == 0 {
                continue;
            }
            if let Some((decision, reviewer, date, comment)) = fill(name, &header, row) {
                let at = |n: &str| header.iter().position(|h| h == n).unwrap() as u16;
                ws.write_string(r as u32, at("decision"), &decision).unwrap();
                ws.write_string(r as u32, at("reviewer"), &reviewer).unwrap();
                match date {
                    Filled::Date(y, m, d) => {
                        let dt = rust_xlsxwriter::ExcelDateTime::from_ymd(y, m, d).unwrap();
                        ws.write_datetime_with_format(r as u32, at("decided_on"), &dt, &date_format).unwrap();
                    }
                    Filled::Text(t) => {
                        ws.write_string(r as u32, at("decided_on"), &t).unwrap();
                    }
                }
                ws.write_string(r as u32, at("comment"), &comment).unwrap();
            }
        }
    }
    wb.save(out).unwrap();
}

#[derive(Clone)]
pub enum Filled {
    Date(u16, u8, u8),
    Text(String),
}

pub fn cell<'a>(header: &[String], row: &'a [String], name: &str) -> &'a str {
    header.iter().position(|h| h == name).and_then(|i| row.get(i)).map(String::as_str).unwrap_or("")
}

/// `access-audit sandbox` in a child process on an ephemeral port, with the given tenants.
pub struct SandboxProcess {
    child: std::process::Child,
    pub url: String,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn sandbox_process(tenants: &Path) -> SandboxProcess {
    use std::io::BufRead;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("access-audit"))
        .args(["sandbox", "--listen", "127.0.0.1:0", "--tenants"])
        .arg(tenants)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let url = first.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();
    // Keep reading what it prints, so it never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    SandboxProcess { child, url }
}
