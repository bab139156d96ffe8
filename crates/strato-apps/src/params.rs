//! Validated parameter values: what a package's template is rendered with.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// One parameter's value, of the parameter's declared type (an enum's value is its text).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Boolean(bool),
    Integer(i64),
    Number(f64),
    String(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Boolean(value) => write!(f, "{value}"),
            ParamValue::Integer(value) => write!(f, "{value}"),
            ParamValue::Number(value) => write!(f, "{value}"),
            ParamValue::String(value) => write!(f, "{value:?}"),
        }
    }
}

/// Every declared parameter by name: its value, or `None` for an optional parameter with no
/// default that was not given (the template sees `none`, so it can test for it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Parameters(pub BTreeMap<String, Option<ParamValue>>);

impl Parameters {
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.get(name).and_then(Option::as_ref)
    }
}
