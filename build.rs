//! Names the commit the binary is built from (`access-audit --version`), when built from a git
//! checkout. Nothing else. (Local changes are not flagged: the script reruns only when the
//! checked-out commit moves, so such a flag could be stale.)

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(c) if !c.is_empty() => format!("commit {c}"),
        _ => "not built from a git checkout".to_string(),
    };
    println!("cargo:rustc-env=ACCESS_AUDIT_COMMIT={commit}");
    // Rebuild the version when the checked-out commit moves (a commit, a checkout).
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={dir}/{head}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
