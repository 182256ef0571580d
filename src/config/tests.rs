use std::path::{Path, PathBuf};

use super::http::HTTP_KEYS;
use super::*;
use chrono::NaiveDate;

const GOOD: &str = r#"
[review]
name = "Q4 2026 access review"
as_of = "2026-12-31"
dormant_after_days = 90

[identity]
path = "hr.csv"
format = "generic"
domain_aliases = { "OldCo.com" = "acme.com" }

[[apps]]
name = "crm"
kind = "csv"
path = "exports/crm.csv"
admin_groups = ["Admins"]
credential = { owner = "it@acme.com", created = 2026-01-10, expires = "2027-01-10" }
[apps.columns]
email = "E-mail"
[apps.status_map]
Locked = "suspended"

[[apps]]
name = "jsm-prod"
kind = "jira_service_management"
base_url = "https://acme.atlassian.net"
auth = { type = "basic", username = "bot@acme.com", password = { env = "JSM_API_TOKEN" } }
service_desk_ids = ["1", "2"]
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/etc/aa/config.toml"), &crate::collectors::REGISTRY)
}

#[test]
fn parses_the_whole_schema_and_rebases_paths() {
    let c = parse(GOOD).unwrap();
    assert_eq!(c.review.as_of, Some(ConfigDate(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap())));
    assert_eq!(c.review.invite_stale_after_days, 14);
    assert_eq!(c.identity.path, PathBuf::from("/etc/aa/hr.csv"));
    assert_eq!(c.identity.domain_aliases.get("oldco.com").map(String::as_str), Some("acme.com"));
    assert_eq!(c.apps.len(), 2);
    let crm = &c.apps[0];
    assert_eq!(crm.kind, "csv");
    assert_eq!(crm.credential.as_ref().unwrap().created, Some(ConfigDate(NaiveDate::from_ymd_opt(2026, 1, 10).unwrap())));
    let csv = crm.options.get::<crate::collectors::csv_export::CsvAppConfig>().unwrap();
    assert_eq!(csv.path, PathBuf::from("/etc/aa/exports/crm.csv"));
    assert_eq!(csv.columns.email.as_deref(), Some("E-mail"));
    assert!(crm.http.is_none());
    assert_eq!(c.apps[1].kind, "jira_service_management");
    assert_eq!(c.apps[1].line, 23);
}

#[test]
fn unknown_key_names_file_line_key_and_expected() {
    let text = GOOD.replace("dormant_after_days = 90", "dormant_after_dayz = 90");
    let e = parse(&text).unwrap_err();
    assert_eq!(e.file, "/etc/aa/config.toml");
    assert_eq!(e.line, 5, "{e}");
    assert!(e.key.ends_with("dormant_after_dayz"), "{e}");
    assert!(e.message.contains("dormant_after_days"), "expected keys listed: {e}");
}

#[test]
fn unknown_key_in_an_app_points_at_its_line() {
    let text = GOOD.replace("service_desk_ids = [\"1\", \"2\"]", "service_desk_ids = [\"1\"]\nservicedesk = 3");
    let e = parse(&text).unwrap_err();
    assert_eq!(e.line, 29, "{e}");
    assert_eq!(e.key, "apps[1].servicedesk");
    assert!(e.message.contains("service_desk_ids"), "{e}");
}

#[test]
fn unknown_column_key_in_csv_app() {
    let text = GOOD.replace("email = \"E-mail\"", "e_mail = \"E-mail\"");
    let e = parse(&text).unwrap_err();
    assert!(e.message.contains("unknown field `e_mail`"), "{e}");
    assert_eq!(e.line, 19, "{e}");
}

#[test]
fn inline_secret_is_refused_with_the_fix_and_without_the_value() {
    let text = GOOD.replace("password = { env = \"JSM_API_TOKEN\" }", "password = \"canary-hunter2\"");
    let e = parse(&text).unwrap_err();
    let shown = e.to_string();
    assert!(shown.contains("{ env = \"NAME\" }"), "{shown}");
    assert!(!shown.contains("canary-hunter2"), "{shown}");
    assert_eq!(e.line, 27, "{shown}");
    assert_eq!(e.key, "apps[1].auth.password");
}

#[test]
fn unknown_kind_lists_the_kinds() {
    let e = parse(&GOOD.replace("kind = \"csv\"", "kind = \"slack\"")).unwrap_err();
    assert!(e.message.contains("found \"slack\"") && e.message.contains("jira_service_management"), "{e}");
    assert_eq!(e.line, 14);
}

#[test]
fn duplicate_app_names_name_both_lines() {
    let e = parse(&GOOD.replace("name = \"jsm-prod\"", "name = \"crm\"")).unwrap_err();
    assert!(e.message.contains("first at line 12") && e.line == 23, "{e}");
}

#[test]
fn bad_date_and_bad_status_map_are_explained() {
    let e = parse(&GOOD.replace("as_of = \"2026-12-31\"", "as_of = \"31/12/2026\"")).unwrap_err();
    assert!(e.message.contains("YYYY-MM-DD") && e.line == 4, "{e}");
    let e = parse(&GOOD.replace("Locked = \"suspended\"", "Locked = \"frozen\"")).unwrap_err();
    assert!(e.message.contains("frozen") && e.message.contains("deactivated"), "{e}");
}

#[test]
fn http_kind_requires_base_url_and_auth() {
    let e = parse(&GOOD.replace("base_url = \"https://acme.atlassian.net\"\n", "")).unwrap_err();
    assert!(e.message.contains("missing field `base_url`"), "{e}");
    let e = parse(&GOOD.replace("type = \"basic\"", "type = \"kerberos\"")).unwrap_err();
    assert!(e.message.contains("kerberos"), "{e}");
}

#[test]
fn column_mapping_only_with_generic() {
    let text = GOOD
        .replace("format = \"generic\"", "format = \"okta\"")
        .replace("domain_aliases = { \"OldCo.com\" = \"acme.com\" }", "[identity.columns]\nemail = \"x\"");
    let e = parse(&text).unwrap_err();
    assert!(e.message.contains("only used with format = \"generic\""), "{e}");
}

#[test]
fn redacted_json_describes_secrets_without_values() {
    let c = parse(GOOD).unwrap();
    let j = c.redacted_json().to_string();
    assert!(j.contains("<secret from environment variable JSM_API_TOKEN>"), "{j}");
}

#[test]
fn beyondtrust_sign_in_methods_by_flavor() {
    let app = |flavor: &str, auth: &str| {
        parse(&format!(
            "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"bt\"\nkind = \"beyondtrust\"\nflavor = \"{flavor}\"\nbase_url = \"https://bt.example\"\nauth = {auth}\n"
        ))
    };
    let ps = r#"{ type = "ps_auth", key = { env = "K" }, runas = "audit" }"#;
    let oauth = r#"{ type = "oauth2_client_credentials", client_id = "c", client_secret = { env = "S" } }"#;
    let basic = r#"{ type = "basic", username = "u", password = { env = "P" } }"#;
    assert!(app("password_safe", ps).is_ok());
    assert!(app("password_safe", oauth).is_ok(), "the OAuth variant of Auth/SignAppin");
    assert!(app("config_api", oauth).is_ok());
    let e = app("config_api", ps).unwrap_err();
    assert!(e.message.contains("ps_auth is for flavor \"password_safe\""), "{e}");
    let e = app("password_safe", basic).unwrap_err();
    assert!(e.message.contains("ps_auth") && e.message.contains("Auth/connect/token"), "{e}");
}

#[test]
fn jira_org_api_version_and_site_id() {
    let org = "org_id = \"o\"\norg_api_key = { env = \"ORG\" }\n";
    assert!(parse(&format!("{GOOD}{org}org_api_version = \"v2\"\nsite_id = \"c0ffee\"\n")).is_ok());
    let e = parse(&format!("{GOOD}{org}org_api_version = \"v3\"\n")).unwrap_err();
    assert!(e.message.contains("expected \"v1\" or \"v2\""), "{e}");
    let e = parse(&format!("{GOOD}{org}site_id = \"c0ffee\"\n")).unwrap_err();
    assert!(e.message.contains("org_api_version = \"v2\""), "{e}");
}

/// `HTTP_KEYS` routes an app's keys to the connection settings: it must name exactly the fields
/// of `HttpConfig` (a field added there and not here would be refused as unknown, or taken as a
/// kind's option). Adding a field makes this literal fail to compile until it is listed.
#[test]
fn the_http_keys_are_exactly_the_fields_of_http_config() {
    let every_field = HttpConfig {
        base_url: String::new(),
        auth: AuthConfig::Bearer { token: SecretRef::Env("T".into()) },
        ca_file: None,
        insecure_skip_verify: false,
        requests_per_second: None,
        requests_per_hour: None,
        concurrency: None,
        page_size: None,
        timeout_seconds: None,
        max_attempts: None,
        max_collect_seconds: None,
        max_list_passes: None,
        max_response_mb: None,
    };
    let serialized = serde_json::to_value(&every_field).unwrap();
    let fields: std::collections::BTreeSet<&str> = serialized.as_object().unwrap().keys().map(String::as_str).collect();
    let keys: std::collections::BTreeSet<&str> = HTTP_KEYS.iter().copied().collect();
    assert_eq!(keys, fields);
}

/// Every kind's choices (flavours, modes) are refused at their own line when unknown, naming the
/// choices; a value of the wrong type is positioned at its key too.
#[test]
fn unknown_choices_and_wrong_types_point_at_their_key() {
    let http = "base_url = \"https://x.example\"\nauth = { type = \"bearer\", token = { env = \"T\" } }";
    for (kind, extra, key, expected) in [
        (
            "messagebird",
            "flavor = \"birdy\"",
            "flavor",
            "expected \"messagebird\" (the guide's /users) or \"bird\" (/organizations/{org}/users)",
        ),
        (
            "jira_service_management",
            "flavor = \"server\"",
            "flavor",
            "expected \"cloud\" (/rest/api/3/users/search) or \"guide\" (/rest/api/3/user/search)",
        ),
        ("jira_service_management", "org_api_version = \"v3\"", "org_api_version", "expected \"v1\" or \"v2\""),
        ("bluejeans", "enterprise_id = \"1\"\nflavor = \"v2\"", "flavor", "expected \"api\" (the official swagger) or \"guide\""),
        ("bluejeans", "enterprise_id = \"1\"\nuser_details = \"some\"", "user_details", "expected \"auto\", \"always\" or \"never\""),
        ("beyondtrust", "flavor = \"pra\"", "flavor", "expected \"public_v3\", \"config_api\" or \"password_safe\""),
        ("scim", "page_size = \"many\"", "page_size", "invalid type: string \"many\", expected u32"),
        ("scim", "start_index = \"one\"", "start_index", "invalid type: string \"one\""),
    ] {
        let text = format!("[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"a\"\nkind = \"{kind}\"\n{http}\n{extra}\n");
        let e = parse(&text).unwrap_err();
        let line = text.lines().position(|l| l.starts_with(&format!("{key} ="))).unwrap() + 1;
        assert_eq!((e.key.as_str(), e.line), (format!("apps[0].{key}").as_str(), line), "{kind} {extra}: {e}");
        assert!(e.message.contains(expected), "{kind} {extra}: {e}");
    }
}

#[test]
fn campaign_section_and_app_owners() {
    let base =
        "[identity]\npath = \"hr.csv\"\n[[apps]]\nname = \"crm\"\nkind = \"csv\"\npath = \"crm.csv\"\nowner = \" Owner@Acme.com \"\n";
    let c = parse(&format!("{base}[campaign]\nby = \"app_owner\"\ndue = 2027-01-31\nfallback_reviewer = \"GRC@acme.com\"\n")).unwrap();
    let campaign = c.campaign.as_ref().unwrap();
    assert_eq!(campaign.by, Some(CampaignBy::AppOwner));
    assert_eq!(campaign.fallback_reviewer.as_deref(), Some("grc@acme.com"));
    assert_eq!(c.apps[0].owner.as_deref(), Some("owner@acme.com"));
    assert!(parse(base).unwrap().campaign.is_none(), "no section, no campaign");
    let e = parse(&format!("{base}[campaign]\nby = \"team_lead\"\n")).unwrap_err();
    assert!(e.message.contains("expected \"manager\" or \"app_owner\""), "{e}");
    let e = parse(&format!("{base}[campaign]\nfallback_reviewer = \"grc\"\n")).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaign.fallback_reviewer", 9), "{e}");
    let e = parse(&base.replace("Owner@Acme.com", "the crm team")).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("apps[0].owner", 7), "{e}");
    // The campaign's owner (who closes it) and the recommendation thresholds.
    let c = parse(&format!("{base}[campaign]\nowner = \"GRC@acme.com\"\n[campaign.recommend]\ndormant_days = 120\n")).unwrap();
    let campaign = c.campaign.as_ref().unwrap();
    assert_eq!(campaign.owner.as_deref(), Some("grc@acme.com"));
    assert_eq!((campaign.recommend.dormant_days, campaign.recommend.invited_days), (120, 30));
    let e = parse(&format!("{base}[campaign]\nby = \"manager\"\nowner = \"grc\"\n")).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("campaign.owner", 10), "the campaign's owner, not the app's: {e}");
    let e = parse(&format!("{base}[campaign.recommend]\ndormant = 120\n")).unwrap_err();
    assert!(e.message.contains("dormant"), "an unknown key is named: {e}");
}

#[test]
fn ticket_desks_are_checked_and_their_secrets_rebased() {
    let base = "[identity]\npath = \"hr.csv\"\n[tickets]\ngroup_by = \"per_reviewer\"\n";
    let jira = "[tickets.jira]\nbase_url = \"https://acme.atlassian.net\"\nproject = \"ITOPS\"\nauth = { type = \"basic\", username = \"bot@acme.com\", password = { file = \"jira.token\" } }\n";
    let c = parse(&format!("{base}{jira}")).unwrap();
    let t = c.tickets.as_ref().unwrap();
    assert_eq!(t.group_by, TicketGrouping::PerReviewer);
    let j = t.jira.as_ref().unwrap();
    assert_eq!(j.issue_type, "Task", "the default issue type");
    assert_eq!(j.auth.secrets()[0], &SecretRef::File("/etc/aa/jira.token".into()), "a secret file is read from beside the config");
    let e = parse(&format!("{base}{}", jira.replace("https://acme.atlassian.net", "acme.atlassian.net"))).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("tickets.jira.base_url", 6), "{e}");
    let e =
        parse(&format!("{base}{}", jira.replace("type = \"basic\", username = \"bot@acme.com\", password", "type = \"access_key\", key")))
            .unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("tickets.jira.auth", 8), "{e}");
    let e = parse(&format!("{base}[tickets.servicenow]\nbase_url = \"https://acme.service-now.com\"\ntabel = \"sc_task\"\n")).unwrap_err();
    assert!(e.message.contains("tabel"), "an unknown key is named: {e}");
    let c = parse(&format!("{base}[tickets.servicenow]\nbase_url = \"https://acme.service-now.com\"\nauth = {{ type = \"bearer\", token = {{ env = \"SNOW\" }} }}\n")).unwrap();
    assert_eq!(c.tickets.unwrap().servicenow.unwrap().table, "sc_task", "the default table");
}
