//! A walker over a spanned TOML table that records every problem it meets instead of
//! stopping at the first: wrong types, missing keys and unknown keys, each with its line.

use std::cell::RefCell;
use std::ops::Range;
use std::time::Duration;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::duration::parse_duration;
use crate::error::{ConfigError, LineIndex};

/// Where errors accumulate for one file.
pub(crate) struct Ctx {
    file: String,
    lines: LineIndex,
    errors: RefCell<Vec<ConfigError>>,
}

impl Ctx {
    pub(crate) fn new(file: &str, text: &str) -> Self {
        Ctx {
            file: file.to_string(),
            lines: LineIndex::new(text),
            errors: RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn error(&self, span: Range<usize>, key: &str, message: impl Into<String>) {
        let (line, column) = self.lines.locate(span.start);
        self.errors.borrow_mut().push(ConfigError {
            file: self.file.clone(),
            line,
            column,
            key: key.to_string(),
            message: message.into(),
        });
    }

    pub(crate) fn into_errors(self) -> Vec<ConfigError> {
        let mut errors = self.errors.into_inner();
        errors.sort_by_key(|e| (e.line, e.column));
        errors.dedup();
        errors
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }
}

/// A value with the byte span it came from.
pub(crate) type At<T> = (T, Range<usize>);

/// One table of the document, with its dotted path (`service[0].check[1]`).
pub(crate) struct Section<'a, 'i> {
    ctx: &'a Ctx,
    table: &'a DeTable<'i>,
    span: Range<usize>,
    path: String,
    allowed: RefCell<Vec<&'static str>>,
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

pub(crate) fn integer_of(v: &DeValue<'_>) -> Option<i64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok(),
        _ => None,
    }
}

impl<'a, 'i> Section<'a, 'i> {
    pub(crate) fn root(ctx: &'a Ctx, table: &'a Spanned<DeTable<'i>>) -> Self {
        Section {
            ctx,
            table: table.get_ref(),
            span: table.span(),
            path: String::new(),
            allowed: RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn ctx(&self) -> &'a Ctx {
        self.ctx
    }

    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    pub(crate) fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Reports a problem with `key` of this table at `span`.
    pub(crate) fn error(&self, key: &str, span: Range<usize>, message: impl Into<String>) {
        self.ctx.error(span, &self.key_path(key), message);
    }

    /// Marks `key` as known and returns its value when present.
    pub(crate) fn value(&self, key: &'static str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.allowed.borrow_mut().push(key);
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    fn wrong_type(&self, key: &'static str, v: &Spanned<DeValue<'i>>, expected: &str) {
        self.error(
            key,
            v.span(),
            format!("expected {expected}, found {}", type_name(v.get_ref())),
        );
    }

    pub(crate) fn missing(&self, key: &'static str, hint: &str) {
        let what = if self.path.is_empty() {
            "the file".to_string()
        } else {
            format!("`{}`", self.path)
        };
        self.error(
            key,
            self.span.clone(),
            format!("missing required key `{key}` in {what}{hint}"),
        );
    }

    pub(crate) fn string(&self, key: &'static str) -> Option<At<String>> {
        let v = self.value(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), v.span())),
            _ => {
                self.wrong_type(key, v, "a string");
                None
            }
        }
    }

    pub(crate) fn required_string(&self, key: &'static str) -> Option<At<String>> {
        if self.value(key).is_none() {
            self.missing(key, "");
            return None;
        }
        self.string(key)
    }

    pub(crate) fn integer(&self, key: &'static str, min: i64, max: i64) -> Option<At<i64>> {
        let v = self.value(key)?;
        let Some(n) = integer_of(v.get_ref()) else {
            self.wrong_type(key, v, "an integer");
            return None;
        };
        if n < min || n > max {
            self.error(
                key,
                v.span(),
                format!("{n} is out of range: must be between {min} and {max}"),
            );
            return None;
        }
        Some((n, v.span()))
    }

    pub(crate) fn boolean(&self, key: &'static str) -> Option<bool> {
        let v = self.value(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(key, v, "a boolean (true or false)");
                None
            }
        }
    }

    pub(crate) fn number(&self, key: &'static str) -> Option<At<f64>> {
        let v = self.value(key)?;
        match v.get_ref() {
            DeValue::Float(f) => match f.as_str().replace('_', "").parse::<f64>() {
                Ok(x) => Some((x, v.span())),
                Err(_) => {
                    self.error(key, v.span(), "invalid number");
                    None
                }
            },
            other => match integer_of(other) {
                Some(n) => Some((n as f64, v.span())),
                None => {
                    self.wrong_type(key, v, "a number");
                    None
                }
            },
        }
    }

    /// A duration written as a string (`"30s"`) and bounded to `[min, max]`.
    pub(crate) fn duration(
        &self,
        key: &'static str,
        min: Duration,
        max: Duration,
    ) -> Option<Duration> {
        let (text, span) = self.string(key)?;
        match parse_duration(&text) {
            Ok(d) if d < min || d > max => {
                self.error(
                    key,
                    span,
                    format!("{text:?} is out of range: must be between {min:?} and {max:?}"),
                );
                None
            }
            Ok(d) => Some(d),
            Err(message) => {
                self.error(key, span, message);
                None
            }
        }
    }

    pub(crate) fn string_array(&self, key: &'static str) -> Option<Vec<At<String>>> {
        let v = self.value(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(key, v, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), item.span())),
                other => self.error(
                    &format!("{key}[{i}]"),
                    item.span(),
                    format!("expected a string, found {}", type_name(other)),
                ),
            }
        }
        Some(out)
    }

    /// Array items of any type, for keys that accept several shapes.
    pub(crate) fn array(&self, key: &'static str) -> Option<&'a [Spanned<DeValue<'i>>]> {
        let v = self.value(key)?;
        match v.get_ref() {
            DeValue::Array(items) => Some(items),
            _ => {
                self.wrong_type(key, v, "an array");
                None
            }
        }
    }

    /// A sub-table (`[server]`), if present.
    pub(crate) fn table(&self, key: &'static str) -> Option<Section<'a, 'i>> {
        let v = self.value(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(self.child(self.key_path(key), t, v.span())),
            _ => {
                self.wrong_type(key, v, "a table");
                None
            }
        }
    }

    /// An array of tables (`[[service]]`); empty when absent.
    pub(crate) fn tables(&self, key: &'static str) -> Vec<Section<'a, 'i>> {
        let Some(v) = self.value(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(key, v, &format!("an array of tables ([[{key}]])"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(t) => {
                    out.push(self.child(format!("{}[{i}]", self.key_path(key)), t, item.span()))
                }
                other => self.error(
                    &format!("{key}[{i}]"),
                    item.span(),
                    format!("expected a table, found {}", type_name(other)),
                ),
            }
        }
        out
    }

    /// An inline table item of an array (`{ id = "x", confidence = 0.5 }`).
    pub(crate) fn item_table(
        &self,
        key: &str,
        index: usize,
        item: &'a Spanned<DeValue<'i>>,
    ) -> Option<Section<'a, 'i>> {
        match item.get_ref() {
            DeValue::Table(t) => {
                Some(self.child(format!("{}[{index}]", self.key_path(key)), t, item.span()))
            }
            _ => None,
        }
    }

    /// The keys and string values of a table of strings (`headers = { A = "b" }`).
    pub(crate) fn string_map(&self, key: &'static str) -> Option<Vec<(String, String)>> {
        let v = self.value(key)?;
        let DeValue::Table(t) = v.get_ref() else {
            self.wrong_type(key, v, "a table of strings");
            return None;
        };
        let mut out = Vec::new();
        for (k, val) in t.iter() {
            match val.get_ref() {
                DeValue::String(s) => out.push((k.get_ref().to_string(), s.to_string())),
                other => self.error(
                    &format!("{key}.{}", k.get_ref()),
                    val.span(),
                    format!("expected a string, found {}", type_name(other)),
                ),
            }
        }
        Some(out)
    }

    fn child(&self, path: String, table: &'a DeTable<'i>, span: Range<usize>) -> Section<'a, 'i> {
        Section {
            ctx: self.ctx,
            table,
            span,
            path,
            allowed: RefCell::new(Vec::new()),
        }
    }

    /// Reports every key of this table that no accessor asked for.
    pub(crate) fn finish(&self) {
        let allowed = self.allowed.borrow();
        for (k, _) in self.table.iter() {
            let name: &str = k.get_ref().as_ref();
            if !allowed.contains(&name) {
                let mut expected: Vec<&str> = allowed.clone();
                expected.sort_unstable();
                expected.dedup();
                self.error(
                    name,
                    k.span(),
                    format!("unknown key; expected one of: {}", expected.join(", ")),
                );
            }
        }
    }
}
