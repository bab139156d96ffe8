//! `cluster.yaml.tmpl`: a minijinja template rendered against the validated parameters (as
//! `params.<name>`) and the package (`app.name`, `app.version`), with a `sh` filter that quotes a
//! value as one shell word. Undefined variables are errors (strict mode), both when the package
//! is loaded (names the template uses that no parameter declares) and when it is rendered.

use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};
use serde::Serialize;

use crate::config::ConfigSchema;
use crate::error::{cut, PackageError, Position, Problem};
use crate::params::Parameters;

pub const TEMPLATE_FILE: &str = "cluster.yaml.tmpl";

/// A template that compiled and uses only declared names.
#[derive(Debug, Clone)]
pub struct ClusterTemplate {
    source: String,
}

#[derive(Serialize)]
struct RenderContext<'a> {
    params: &'a Parameters,
    app: AppContext<'a>,
}

/// What the template sees of the package as `app`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AppContext<'a> {
    pub name: &'a str,
    pub version: &'a str,
}

impl ClusterTemplate {
    /// Compiles `source` and checks that every variable it reads is `app`, `app.name`,
    /// `app.version`, `params`, or `params.<a parameter the schema declares>`.
    pub fn compile(source: String, schema: &ConfigSchema) -> Result<Self, PackageError> {
        let env = environment();
        let template = env.template_from_str(&source).map_err(template_error)?;
        let mut undeclared: Vec<String> = template.undeclared_variables(true).into_iter().collect();
        undeclared.sort();
        for name in undeclared {
            if !is_known(&name, schema) {
                let at = first_line_using(&source, &name).map_or_else(Position::none, Position::line);
                return Err(PackageError::new(TEMPLATE_FILE, at, Problem::UndefinedVariable(cut(&name, 64))));
            }
        }
        drop(template);
        Ok(Self { source })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The rendered text (YAML, to be parsed as a `ClusterSpec`).
    pub fn render(&self, params: &Parameters, app: AppContext<'_>) -> Result<String, PackageError> {
        let env = environment();
        let template = env.template_from_str(&self.source).map_err(template_error)?;
        template.render(minijinja::value::Serde(RenderContext { params, app })).map_err(template_error)
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // The output is YAML, not HTML: nothing is escaped (values are quoted with `| tojson`).
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.add_filter("sh", shell_quote);
    env
}

/// The `sh` filter: `value` as one single-quoted shell word, so a parameter put into a service
/// command is data, never code (`it's` -> `'it'\''s'`).
fn shell_quote(value: minijinja::Value) -> String {
    let text = match value.as_str() {
        Some(text) => text.to_string(),
        None => value.to_string(),
    };
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The first line (1-based) where `name` appears as a whole name (`params.memory`, not the
/// start of `params.memory_mb`).
fn first_line_using(source: &str, name: &str) -> Option<usize> {
    let is_name_char = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    source
        .lines()
        .position(|line| {
            line.match_indices(name).any(|(start, _)| {
                let before = line[..start].chars().next_back();
                let after = line[start + name.len()..].chars().next();
                !before.is_some_and(is_name_char) && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
        .map(|index| index + 1)
}

fn is_known(name: &str, schema: &ConfigSchema) -> bool {
    match name.split_once('.') {
        None => name == "params" || name == "app",
        Some(("app", field)) => field == "name" || field == "version",
        Some(("params", field)) => schema.parameter(field.split('.').next().unwrap_or(field)).is_some(),
        Some(_) => false,
    }
}

fn template_error(error: minijinja::Error) -> PackageError {
    let at = error.line().map_or_else(Position::none, Position::line);
    let detail = error.detail().map(str::to_string).unwrap_or_else(|| error.kind().to_string());
    let problem = match error.kind() {
        ErrorKind::SyntaxError => Problem::TemplateSyntax(detail),
        ErrorKind::UndefinedError => Problem::UndefinedVariable(detail),
        _ => Problem::TemplateRender(detail),
    };
    PackageError::new(TEMPLATE_FILE, at, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sh_quotes_any_value_as_one_word() {
        let env = environment();
        let render = |source: &str| env.render_str(source, minijinja::context! { v => "it's $(x) `y`" }).unwrap();
        assert_eq!(render("{{ v | sh }}"), r"'it'\''s $(x) `y`'");
        let output = std::process::Command::new("sh").arg("-c").arg(format!("printf %s {}", render("{{ v | sh }}"))).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout), "it's $(x) `y`");
        assert_eq!(env.render_str("{{ 42 | sh }}", ()).unwrap(), "'42'");
    }

    #[test]
    fn undeclared_names_are_found_on_their_own_line() {
        let source = "a: {{ params.memory_mb }}\nb: {{ xparams.memory }}\nc: {{ params.memory }}\n";
        assert_eq!(first_line_using(source, "params.memory"), Some(3));
        assert_eq!(first_line_using("d: {{ params.memory.x }}", "params.memory"), Some(1));
        assert_eq!(first_line_using("nothing here", "params.memory"), None);
    }

    #[test]
    fn nothing_is_html_escaped() {
        assert_eq!(environment().render_str("{{ '<a & b>' }}", ()).unwrap(), "<a & b>");
    }
}
