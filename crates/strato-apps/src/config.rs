//! `config.yaml`: the package's typed parameters, and validating given values against them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;
use strato_types::text_enum;

use crate::error::{cut, PackageError, Position, Problem};
use crate::params::{ParamValue, Parameters};

pub const CONFIG_FILE: &str = "config.yaml";

text_enum!(
    /// The type of a parameter.
    ParamType, "parameter type", {
        String = "string",
        Integer = "integer",
        Number = "number",
        Boolean = "boolean",
        /// A string that must be one of `values`.
        Enum = "enum",
    }
);

/// `config.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigSchema {
    #[serde(default)]
    pub parameters: Vec<Parameter>,
}

/// One parameter: the template sees it as `params.<name>`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "type")]
    pub param_type: ParamType,
    #[serde(default)]
    pub description: String,
    /// Used when the parameter is not given.
    #[serde(default)]
    pub default: Option<Value>,
    /// Must be given when it has no default.
    #[serde(default)]
    pub required: bool,
    /// Inclusive bounds, for `integer` and `number` only.
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    /// The allowed values, for `enum` only.
    #[serde(default)]
    pub values: Option<Vec<String>>,
}

impl ConfigSchema {
    /// Parses and checks `config.yaml`: names are unique identifiers, bounds and values suit the
    /// type, and every default passes its own parameter's checks.
    pub fn parse(text: &str) -> Result<Self, PackageError> {
        let schema: ConfigSchema = crate::yaml::parse(CONFIG_FILE, text)?;
        schema.check()?;
        Ok(schema)
    }

    fn check(&self) -> Result<(), PackageError> {
        let mut seen = BTreeSet::new();
        for (index, parameter) in self.parameters.iter().enumerate() {
            let at = |field: &str| Position::path(format!("parameters[{index}]{field}"));
            let invalid = |field: &str, message: String| PackageError::new(CONFIG_FILE, at(field), Problem::Invalid(message));
            if !is_identifier(&parameter.name) {
                return Err(invalid(
                    ".name",
                    format!("{:?} is not a name (lower-case letters, digits, _; a letter first)", cut(&parameter.name, 40)),
                ));
            }
            if !seen.insert(parameter.name.as_str()) {
                return Err(PackageError::new(CONFIG_FILE, at(".name"), Problem::DuplicateParameter(parameter.name.clone())));
            }
            let numeric = matches!(parameter.param_type, ParamType::Integer | ParamType::Number);
            if !numeric && (parameter.min.is_some() || parameter.max.is_some()) {
                return Err(invalid(".min", format!("min and max apply to integer and number, not {}", parameter.param_type)));
            }
            if let (Some(min), Some(max)) = (parameter.min, parameter.max) {
                if min > max {
                    return Err(invalid(".max", format!("max {max} is below min {min}")));
                }
            }
            match (&parameter.values, parameter.param_type) {
                (None, ParamType::Enum) => return Err(invalid(".values", "an enum needs values".into())),
                (Some(values), ParamType::Enum) => {
                    if values.is_empty() {
                        return Err(invalid(".values", "an enum needs values".into()));
                    }
                    let distinct: BTreeSet<_> = values.iter().collect();
                    if distinct.len() != values.len() {
                        return Err(invalid(".values", "values repeat".into()));
                    }
                }
                (Some(_), other) => return Err(invalid(".values", format!("values apply to enum, not {other}"))),
                (None, _) => {}
            }
            if let Some(default) = &parameter.default {
                parameter.check_value(default).map_err(|problem| PackageError::new(CONFIG_FILE, at(".default"), problem))?;
            }
        }
        Ok(())
    }

    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|parameter| parameter.name == name)
    }

    /// Validates given values: each must be declared and of its type and range; required ones
    /// without a default must be given. The result has every declared parameter.
    pub fn validate(&self, given: &BTreeMap<String, Value>) -> Result<Parameters, PackageError> {
        let error = |name: &str, problem| PackageError::new(CONFIG_FILE, Position::path(format!("parameters.{name}")), problem);
        if let Some(unknown) = given.keys().find(|name| self.parameter(name).is_none()) {
            return Err(error(unknown, Problem::UnknownParameter(cut(unknown, 64))));
        }
        let mut values = BTreeMap::new();
        for parameter in &self.parameters {
            let value = match given.get(&parameter.name).filter(|value| !value.is_null()).or(parameter.default.as_ref()) {
                Some(value) => Some(parameter.check_value(value).map_err(|problem| error(&parameter.name, problem))?),
                None if parameter.required => {
                    return Err(error(&parameter.name, Problem::MissingParameter(parameter.name.clone())));
                }
                None => None,
            };
            values.insert(parameter.name.clone(), value);
        }
        Ok(Parameters(values))
    }
}

impl Parameter {
    /// `value` as this parameter's type, within its bounds or values.
    pub fn check_value(&self, value: &Value) -> Result<ParamValue, Problem> {
        let wrong_type = || Problem::WrongType {
            name: self.name.clone(),
            expected: match self.param_type {
                ParamType::Integer => "an integer".into(),
                ParamType::Number => "a number".into(),
                ParamType::Boolean => "a boolean".into(),
                ParamType::String | ParamType::Enum => "a string".into(),
            },
            got: describe(value),
        };
        let typed = match (self.param_type, value) {
            (ParamType::Integer, Value::Number(number)) => ParamValue::Integer(number.as_i64().ok_or_else(wrong_type)?),
            (ParamType::Number, Value::Number(number)) => ParamValue::Number(number.as_f64().ok_or_else(wrong_type)?),
            (ParamType::Boolean, Value::Bool(flag)) => ParamValue::Boolean(*flag),
            (ParamType::String | ParamType::Enum, Value::String(text)) => ParamValue::String(text.clone()),
            _ => return Err(wrong_type()),
        };
        let numeric = match typed {
            ParamValue::Integer(number) => Some(number as f64),
            ParamValue::Number(number) => Some(number),
            _ => None,
        };
        if let Some(number) = numeric {
            let below = self.min.is_some_and(|min| number < min);
            let above = self.max.is_some_and(|max| number > max);
            if below || above {
                let bound = |bound: Option<f64>| bound.map(|b| b.to_string()).unwrap_or_default();
                return Err(Problem::OutOfRange {
                    name: self.name.clone(),
                    value: typed.to_string(),
                    range: format!("[{}, {}]", bound(self.min), bound(self.max)),
                });
            }
        }
        if let (Some(values), ParamValue::String(text)) = (&self.values, &typed) {
            if !values.contains(text) {
                return Err(Problem::NotAllowed { name: self.name.clone(), value: cut(text, 64), allowed: values.join(", ") });
            }
        }
        Ok(typed)
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(flag) => format!("the boolean {flag}"),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) => format!("the string {:?}", cut(text, 40)),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// Lower-case letters, digits and `_`, starting with a letter: usable as `params.<name>`.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 64
}
