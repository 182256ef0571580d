//! Text helpers for messages and cells, usable from every layer: this module imports nothing of
//! the crate.

/// The first `n` of `items`, comma-separated, with "(+M more)" for the rest: how a note or an
/// error names a long list of ids or files.
pub fn first_of<S: AsRef<str>>(items: &[S], n: usize) -> String {
    let shown: Vec<&str> = items.iter().take(n).map(|s| s.as_ref()).collect();
    if items.len() > n {
        format!("{} (+{} more)", shown.join(", "), items.len() - n)
    } else {
        shown.join(", ")
    }
}

/// At most `max` characters of `s`, with `…` when cut; control characters shown as spaces.
pub fn clip(s: &str, max: usize) -> String {
    let cleaned: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if cleaned.chars().count() <= max {
        cleaned
    } else {
        let mut out: String = cleaned.chars().take(max).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_the_first_and_counts_the_rest() {
        assert_eq!(super::first_of(&["a", "b", "c"], 2), "a, b (+1 more)");
        assert_eq!(super::first_of(&["a", "b"], 2), "a, b");
        assert_eq!(super::first_of::<&str>(&[], 2), "");
    }
}
