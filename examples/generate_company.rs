//! Writes a synthetic company of any size for the scale benchmark: a roster and `csv`-kind app
//! exports, plus a config that reads them. Deterministic: the same arguments give the same bytes.
//!
//! cargo run --release --example generate_company -- --people 200000 --accounts 1000000 --apps 6 --out /tmp/aa-bench
//!
//! The mix mirrors a real review: ~5% of people terminated (a third of them still with access),
//! 1% on leave, 3% of accounts orphaned, 2% without email, 4% admins, 10% dormant, 2% invited.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: fast, deterministic, good enough for test data.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(1000) < percent * 10
    }
}

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_string())
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let people: u64 = arg(&args, "--people", "200000").parse().expect("--people N");
    let accounts: u64 = arg(&args, "--accounts", "1000000").parse().expect("--accounts N");
    let apps: u64 = arg(&args, "--apps", "6").parse().expect("--apps N");
    let out = PathBuf::from(arg(&args, "--out", "bench-data"));
    std::fs::create_dir_all(&out)?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    let mut hr = BufWriter::new(File::create(out.join("hr.csv"))?);
    writeln!(hr, "email,employee_id,name,status,termination_date,manager_email,department,aliases")?;
    let mut status = Vec::with_capacity(people as usize);
    for p in 0..people {
        let (s, term) = if rng.chance(5) {
            ("terminated", format!("2026-{:02}-{:02}", 1 + rng.below(11), 1 + rng.below(28)))
        } else if rng.chance(1) {
            ("leave", String::new())
        } else {
            ("active", String::new())
        };
        status.push(s);
        let alias = if p % 50 == 0 { format!("p{p}.old@acme.com") } else { String::new() };
        writeln!(hr, "p{p}@acme.com,E{p},Person {p},{s},{term},p{}@acme.com,Dept {},{alias}", p / 10, p % 40)?;
    }
    hr.flush()?;

    let per_app = accounts / apps;
    let mut config = String::from(
        "[review]\nname = \"Scale benchmark\"\nas_of = \"2026-12-31\"\n\n[identity]\npath = \"hr.csv\"\ndomain_aliases = { \"oldco.com\" = \"acme.com\" }\n",
    );
    for a in 0..apps {
        let name = format!("app{a}");
        let mut w = BufWriter::new(File::create(out.join(format!("{name}.csv")))?);
        writeln!(w, "id,email,name,status,role,groups,created,last_login")?;
        for i in 0..per_app {
            // Each person has accounts in a window of apps; wrap around the roster.
            let p = (i * 7 + a * 13) % people;
            let email = if rng.chance(2) {
                String::new()
            } else if rng.chance(3) {
                format!("contractor{i}@vendor{a}.example")
            } else if i % 97 == 0 {
                format!("p{p}@oldco.com")
            } else {
                format!("p{p}@acme.com")
            };
            let st = if rng.chance(2) {
                "invited"
            } else if status[p as usize] == "terminated" && rng.chance(66) {
                "disabled"
            } else {
                "active"
            };
            let role = if rng.chance(4) { "admin" } else { "user" };
            let groups = if rng.chance(10) { "engineering;admins" } else { "engineering" };
            let created = format!("20{:02}-{:02}-{:02}", 18 + rng.below(8), 1 + rng.below(12), 1 + rng.below(28));
            let login = if rng.chance(10) {
                format!("2026-0{}-{:02}", 1 + rng.below(6), 1 + rng.below(28))
            } else if rng.chance(3) {
                String::new()
            } else {
                format!("2026-12-{:02}", 1 + rng.below(28))
            };
            writeln!(w, "{name}-{i},{email},Account {i},{st},{role},{groups},{created},{login}")?;
        }
        w.flush()?;
        config.push_str(&format!(
            "\n[[apps]]\nname = \"{name}\"\nkind = \"csv\"\npath = \"{name}.csv\"\nadmin_values = [\"admin\"]\nadmin_groups = [\"admins\"]\n\
             credential = {{ owner = \"p1@acme.com\", created = \"2026-01-01\", expires = \"2027-0{}-01\" }}\n\
             [apps.columns]\naccount_id = \"id\"\ndisplay_name = \"name\"\ncreated_at = \"created\"\nlast_login_at = \"last_login\"\n",
            1 + a % 9
        ));
    }
    std::fs::write(out.join("config.toml"), config)?;
    println!("wrote {people} people and {} accounts in {apps} apps to {}", per_app * apps, out.display());
    Ok(())
}
