//! One page rendered with tera: the report, the diff, and the sections the review fills in all
//! share the style sheet, the table script and the table partial.

use serde_json::Value;

use super::error::ReportError;

const STYLE: &str = include_str!("../../templates/style.css");
const TABLES_JS: &str = include_str!("../../templates/tables.js");
const TABLE: &str = include_str!("../../templates/table.html.tera");

/// Renders a page of the report's family: `template` may include the shared `style.css` and
/// `tables.js` (sortable, filterable tables), so every page of a pack looks and works alike.
pub fn render_page(name: &str, template: &str, ctx: Value) -> Result<String, ReportError> {
    let mut tera = tera::Tera::default();
    tera.add_raw_templates([("style.css", STYLE), ("tables.js", TABLES_JS), ("table.html", TABLE), (name, template)])
        .map_err(|e| ReportError::Template(format!("{e:?}")))?;
    let context = tera::Context::from_value(ctx).map_err(|e| ReportError::Template(e.to_string()))?;
    tera.render(name, &context).map_err(|e| ReportError::Template(format!("{e:?}")))
}
