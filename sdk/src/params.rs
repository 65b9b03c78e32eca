//! Parameter schemas ([`ParamSpec`] builders) and parameter lookup ([`Params`]) with the
//! defaults and bounds the manifest declares.

use std::ops::RangeInclusive;

use crate::{IntegerRange, NumberRange, Param, ParamKind, ParamSpec, ParamValue, PluginError};

impl ParamSpec {
    fn build(name: &str, label: &str, kind: ParamKind, default: ParamValue) -> Self {
        ParamSpec {
            name: name.to_owned(),
            label: label.to_owned(),
            description: String::new(),
            kind,
            default,
        }
    }

    /// An integer parameter with inclusive bounds, step 1, and a default.
    pub fn integer(name: &str, label: &str, range: RangeInclusive<i64>, default: i64) -> Self {
        let (min, max) = range.into_inner();
        Self::build(
            name,
            label,
            ParamKind::Integer(IntegerRange { min, max, step: 1 }),
            ParamValue::Integer(default),
        )
    }

    /// A number parameter with inclusive bounds, a slider step, and a default.
    pub fn number(
        name: &str,
        label: &str,
        range: RangeInclusive<f64>,
        step: f64,
        default: f64,
    ) -> Self {
        let (min, max) = range.into_inner();
        Self::build(
            name,
            label,
            ParamKind::Number(NumberRange { min, max, step }),
            ParamValue::Number(default),
        )
    }

    /// A switch with a default.
    pub fn boolean(name: &str, label: &str, default: bool) -> Self {
        Self::build(
            name,
            label,
            ParamKind::Boolean,
            ParamValue::Boolean(default),
        )
    }

    /// A free text field with a default.
    pub fn text(name: &str, label: &str, default: &str) -> Self {
        Self::build(
            name,
            label,
            ParamKind::Text,
            ParamValue::Text(default.to_owned()),
        )
    }

    /// A drop-down over `options`; `default` should be one of them.
    pub fn choice(name: &str, label: &str, options: &[&str], default: &str) -> Self {
        Self::build(
            name,
            label,
            ParamKind::Choice(options.iter().map(|o| (*o).to_owned()).collect()),
            ParamValue::Choice(default.to_owned()),
        )
    }

    /// Sets the one-sentence help text.
    #[must_use]
    pub fn with_description(mut self, description: &str) -> Self {
        description.clone_into(&mut self.description);
        self
    }

    /// Sets the step of an integer or number parameter (ignored for other kinds).
    #[must_use]
    pub fn with_step(mut self, step: f64) -> Self {
        match &mut self.kind {
            ParamKind::Integer(r) => r.step = step as i64,
            ParamKind::Number(r) => r.step = step,
            _ => {}
        }
        self
    }
}

/// The parameters of one call, checked against the manifest's [`ParamSpec`]s.
///
/// A value the user did not set falls back to the spec's default. A value of the wrong kind,
/// out of range, or not among a choice's options is an [`PluginError::InvalidParams`]; so is
/// asking for a name the manifest does not declare.
#[derive(Debug, Clone)]
pub struct Params {
    values: Vec<Param>,
    specs: Vec<ParamSpec>,
}

impl Params {
    /// Pairs the values the host passed with the specs from the manifest.
    pub fn new(values: Vec<Param>, specs: Vec<ParamSpec>) -> Self {
        Self { values, specs }
    }

    /// The raw values as the host passed them.
    pub fn raw(&self) -> &[Param] {
        &self.values
    }

    fn spec(&self, name: &str) -> Result<&ParamSpec, PluginError> {
        self.specs.iter().find(|s| s.name == name).ok_or_else(|| {
            PluginError::InvalidParams(format!("`{name}` is not a declared parameter"))
        })
    }

    /// The value the user set, or the spec's default.
    pub fn value(&self, name: &str) -> Result<ParamValue, PluginError> {
        let spec = self.spec(name)?;
        Ok(self
            .values
            .iter()
            .find(|p| p.name == name)
            .map_or_else(|| spec.default.clone(), |p| p.value.clone()))
    }

    fn wrong_kind(name: &str, want: &str) -> PluginError {
        PluginError::InvalidParams(format!("`{name}` must be {want}"))
    }

    /// An integer parameter, checked against its range.
    pub fn integer(&self, name: &str) -> Result<i64, PluginError> {
        let v = match self.value(name)? {
            ParamValue::Integer(v) => v,
            // A UI slider may send a whole number as a float.
            ParamValue::Number(v) if v.fract() == 0.0 && v.is_finite() => v as i64,
            _ => return Err(Self::wrong_kind(name, "an integer")),
        };
        if let ParamKind::Integer(r) = self.spec(name)?.kind
            && !(r.min..=r.max).contains(&v)
        {
            return Err(PluginError::InvalidParams(format!(
                "`{name}` = {v} is outside {}..={}",
                r.min, r.max
            )));
        }
        Ok(v)
    }

    /// A number parameter, checked against its range (integers are accepted).
    pub fn number(&self, name: &str) -> Result<f64, PluginError> {
        let v = match self.value(name)? {
            ParamValue::Number(v) => v,
            ParamValue::Integer(v) => v as f64,
            _ => return Err(Self::wrong_kind(name, "a number")),
        };
        if !v.is_finite() {
            return Err(Self::wrong_kind(name, "a finite number"));
        }
        if let ParamKind::Number(r) = self.spec(name)?.kind
            && !(r.min..=r.max).contains(&v)
        {
            return Err(PluginError::InvalidParams(format!(
                "`{name}` = {v} is outside {}..={}",
                r.min, r.max
            )));
        }
        Ok(v)
    }

    /// A boolean parameter.
    pub fn boolean(&self, name: &str) -> Result<bool, PluginError> {
        match self.value(name)? {
            ParamValue::Boolean(v) => Ok(v),
            _ => Err(Self::wrong_kind(name, "a boolean")),
        }
    }

    /// A text parameter.
    pub fn text(&self, name: &str) -> Result<String, PluginError> {
        match self.value(name)? {
            ParamValue::Text(v) => Ok(v),
            _ => Err(Self::wrong_kind(name, "text")),
        }
    }

    /// A choice parameter, checked against its options (text is accepted).
    pub fn choice(&self, name: &str) -> Result<String, PluginError> {
        let v = match self.value(name)? {
            ParamValue::Choice(v) | ParamValue::Text(v) => v,
            _ => return Err(Self::wrong_kind(name, "one of its options")),
        };
        if let ParamKind::Choice(options) = &self.spec(name)?.kind
            && !options.contains(&v)
        {
            return Err(PluginError::InvalidParams(format!(
                "`{name}` = `{v}` is not one of {}",
                options.join(", ")
            )));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs() -> Vec<ParamSpec> {
        vec![
            ParamSpec::integer("radius", "Radius", 0..=100, 12).with_description("Pixels."),
            ParamSpec::number("gamma", "Gamma", 0.1..=5.0, 0.05, 1.0),
            ParamSpec::boolean("keep", "Keep", true),
            ParamSpec::text("note", "Note", "hi"),
            ParamSpec::choice("op", "Operation", &["grow", "shrink"], "grow"),
        ]
    }

    fn param(name: &str, value: ParamValue) -> Param {
        Param {
            name: name.to_owned(),
            value,
        }
    }

    #[test]
    fn defaults_come_from_the_specs() {
        let p = Params::new(Vec::new(), specs());
        assert_eq!(p.integer("radius").expect("default"), 12);
        assert_eq!(p.number("gamma").expect("default"), 1.0);
        assert!(p.boolean("keep").expect("default"));
        assert_eq!(p.text("note").expect("default"), "hi");
        assert_eq!(p.choice("op").expect("default"), "grow");
    }

    #[test]
    fn set_values_win_and_are_checked() {
        let p = Params::new(
            vec![
                param("radius", ParamValue::Integer(40)),
                param("gamma", ParamValue::Integer(2)),
                param("op", ParamValue::Choice("shrink".into())),
            ],
            specs(),
        );
        assert_eq!(p.integer("radius").expect("set"), 40);
        assert_eq!(p.number("gamma").expect("int as number"), 2.0);
        assert_eq!(p.choice("op").expect("set"), "shrink");

        let bad = Params::new(
            vec![
                param("radius", ParamValue::Integer(101)),
                param("gamma", ParamValue::Number(f64::NAN)),
                param("op", ParamValue::Choice("explode".into())),
                param("keep", ParamValue::Integer(1)),
            ],
            specs(),
        );
        for name in ["radius", "gamma", "op"] {
            let r = match name {
                "radius" => bad.integer(name).map(|_| ()),
                "gamma" => bad.number(name).map(|_| ()),
                _ => bad.choice(name).map(|_| ()),
            };
            assert!(matches!(r, Err(PluginError::InvalidParams(_))), "{name}");
        }
        assert!(bad.boolean("keep").is_err());
        assert!(bad.integer("nope").is_err());
    }

    #[test]
    fn with_step_changes_the_range_step() {
        let s = ParamSpec::integer("r", "R", 0..=10, 0).with_step(2.0);
        assert!(matches!(
            s.kind,
            ParamKind::Integer(IntegerRange { step: 2, .. })
        ));
    }
}
