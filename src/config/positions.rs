//! Where a problem is written: lines, keys and sections of the config text, for [`super::ConfigError`].

/// Byte offset -> 1-based line.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// The text region of the `[[apps]]` entry that starts at `start`: up to the next `[[apps]]` or
/// the next section that is not one of its sub-tables.
pub(super) fn app_region(text: &str, start: usize) -> std::ops::Range<usize> {
    table_region(text, start, "apps")
}

/// The text region of the `[[<array>]]` entry that starts at `start`: up to the next `[[...]]` or
/// the next section that is not one of its sub-tables (`[<array>.x]`).
pub(super) fn table_region(text: &str, start: usize, array: &str) -> std::ops::Range<usize> {
    let sub = format!("[{array}.");
    let start = start.min(text.len());
    let mut offset = start;
    for (i, line) in text[start..].split_inclusive('\n').enumerate() {
        let t = line.trim_start();
        if i > 0 && t.starts_with('[') && (t.starts_with("[[") || !t.starts_with(&sub)) {
            return start..offset;
        }
        offset += line.len();
    }
    start..text.len()
}

/// The line where `key = ` is written inside `span` (falls back to the span's first line).
pub(super) fn line_of_key(text: &str, span: std::ops::Range<usize>, key: &str) -> usize {
    let start = span.start.min(text.len());
    let end = span.end.min(text.len()).max(start);
    let mut offset = start;
    for line in text[start..end].split_inclusive('\n') {
        let trimmed = line.trim_start();
        let bare = trimmed.strip_prefix('"').unwrap_or(trimmed);
        if let Some(rest) = bare.strip_prefix(key) {
            let rest = rest.trim_start_matches('"').trim_start();
            if rest.starts_with('=') || rest.starts_with('.') {
                return line_of(text, offset);
            }
        }
        if trimmed.starts_with(&format!("[apps.{key}]")) || trimmed.starts_with(&format!("[identity.{key}]")) {
            return line_of(text, offset);
        }
        offset += line.len();
    }
    line_of(text, start)
}

/// The first backticked name in a serde message ("unknown field `x`", "missing field `y`").
pub(super) fn field_in_message(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

pub(super) fn join_key(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

/// The `[section]` that contains `offset`, as a key prefix.
pub(super) fn section_at(text: &str, offset: usize) -> String {
    let mut section = String::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if pos > offset {
            break;
        }
        let t = line.trim();
        if t.starts_with('[') {
            section = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
        }
        pos += line.len();
    }
    section
}

/// serde messages, with the expected values spelled out where serde is terse.
pub(super) fn explain(message: &str) -> String {
    let mut m = message.replace("\n", " ");
    if m.starts_with("unknown field") {
        m.push_str(" (unknown keys are errors: check the spelling against the configuration reference, docs/src/configuration.md)");
    }
    m
}
