//! The host's view of a plugin manifest: a serialisable copy of the WIT `manifest` (what the
//! HTTP API lists and the UI draws panels from), its validation, and the conversion of JSON
//! parameter values into typed WIT values against the parameter schema.

use serde::Serialize;
use serde_json::Value;

use super::capabilities;
use super::wit::{self, ApiVersion, latest::types as wt};

/// Longest plugin id.
pub const MAX_ID_LEN: usize = 64;

/// Which world a plugin implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PluginKind {
    /// Image/mask → image/mask.
    Processor,
    /// Image + clicks → mask.
    MaskGenerator,
    /// Describes an erase model and its pre/post-processing.
    ModelAdapter,
}

impl From<wt::PluginKind> for PluginKind {
    fn from(k: wt::PluginKind) -> Self {
        match k {
            wt::PluginKind::Processor => Self::Processor,
            wt::PluginKind::MaskGenerator => Self::MaskGenerator,
            wt::PluginKind::ModelAdapter => Self::ModelAdapter,
        }
    }
}

/// One parameter of a plugin, as the UI draws it.
#[derive(Debug, Clone, Serialize)]
pub struct ParamSpec {
    /// Key (`snake_case`).
    pub name: String,
    /// UI label.
    pub label: String,
    /// Help text.
    pub description: String,
    /// `boolean`, `integer`, `number`, `text` or `choice`.
    pub kind: &'static str,
    /// Bounds of integer/number parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 3]>,
    /// Options of a choice parameter.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The default, as JSON.
    pub default: Value,
    #[serde(skip)]
    wit: wt::ParamSpec,
}

/// A validated manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The plugin's own version.
    pub version: String,
    /// The `mend:plugin` version it targets.
    pub api_version: String,
    /// Its world.
    pub kind: PluginKind,
    /// `before-inpaint`, `after-inpaint`, `tool`.
    pub hooks: Vec<&'static str>,
    /// Description.
    pub description: String,
    /// Parameter schema.
    pub params: Vec<ParamSpec>,
    /// Requested capabilities.
    pub capabilities: Vec<String>,
}

impl Manifest {
    /// Validates a manifest returned by a component of world `world`.
    pub fn validate(m: wt::Manifest, world: PluginKind) -> Result<Self, String> {
        check_id(&m.id)?;
        let version = ApiVersion::parse(&m.api_version)
            .ok_or_else(|| format!("api-version `{}` is not `x.y.z`", m.api_version))?;
        if !wit::supported(version) {
            return Err(format!(
                "targets mend:plugin {version}; this host supports {}",
                wit::supported_range()
            ));
        }
        let kind = PluginKind::from(m.kind);
        if kind != world {
            return Err(format!(
                "the manifest says kind {kind:?} but the component implements {world:?}"
            ));
        }
        if m.name.trim().is_empty() || m.version.trim().is_empty() {
            return Err("name and version must not be empty".to_owned());
        }
        capabilities::check_known(&m.capabilities)?;
        let mut params = Vec::with_capacity(m.params.len());
        for spec in m.params {
            if params.iter().any(|p: &ParamSpec| p.name == spec.name) {
                return Err(format!("parameter `{}` is declared twice", spec.name));
            }
            params.push(ParamSpec::validate(spec)?);
        }
        let mut hooks = Vec::new();
        for (flag, name) in [
            (wt::Hooks::BEFORE_INPAINT, "before-inpaint"),
            (wt::Hooks::AFTER_INPAINT, "after-inpaint"),
            (wt::Hooks::TOOL, "tool"),
        ] {
            if m.hooks.contains(flag) {
                hooks.push(name);
            }
        }
        Ok(Self {
            id: m.id,
            name: m.name,
            version: m.version,
            api_version: m.api_version,
            kind,
            hooks,
            description: m.description,
            params,
            capabilities: m.capabilities,
        })
    }

    /// Typed parameter values for a call: the defaults, overridden by `stored` (the plugin's
    /// configured values), overridden by `given` (the request). Unknown names and values of
    /// the wrong kind or out of range are errors.
    pub fn params(
        &self,
        stored: &serde_json::Map<String, Value>,
        given: &serde_json::Map<String, Value>,
    ) -> Result<Vec<wt::Param>, String> {
        for name in stored.keys().chain(given.keys()) {
            if !self.params.iter().any(|p| &p.name == name) {
                return Err(format!("unknown parameter `{name}`"));
            }
        }
        self.params
            .iter()
            .map(|spec| {
                let value = match given.get(&spec.name).or_else(|| stored.get(&spec.name)) {
                    Some(v) => spec.parse(v)?,
                    None => spec.wit.default.clone(),
                };
                Ok(wt::Param {
                    name: spec.name.clone(),
                    value,
                })
            })
            .collect()
    }
}

impl ParamSpec {
    fn validate(spec: wt::ParamSpec) -> Result<Self, String> {
        let name_ok = !spec.name.is_empty()
            && spec
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            return Err(format!("parameter name `{}` is not snake_case", spec.name));
        }
        let (kind, range, options) = match &spec.kind {
            wt::ParamKind::Boolean => ("boolean", None, Vec::new()),
            wt::ParamKind::Integer(r) => {
                if r.min > r.max || r.step <= 0 {
                    return Err(format!("parameter `{}` has an invalid range", spec.name));
                }
                (
                    "integer",
                    Some([r.min as f64, r.max as f64, r.step as f64]),
                    Vec::new(),
                )
            }
            wt::ParamKind::Number(r) => {
                let finite = r.min.is_finite() && r.max.is_finite() && r.step.is_finite();
                if !finite || r.min > r.max || r.step <= 0.0 {
                    return Err(format!("parameter `{}` has an invalid range", spec.name));
                }
                ("number", Some([r.min, r.max, r.step]), Vec::new())
            }
            wt::ParamKind::Text => ("text", None, Vec::new()),
            wt::ParamKind::Choice(options) => {
                if options.is_empty() {
                    return Err(format!("choice parameter `{}` has no options", spec.name));
                }
                ("choice", None, options.clone())
            }
        };
        let out = Self {
            name: spec.name.clone(),
            label: spec.label.clone(),
            description: spec.description.clone(),
            kind,
            range,
            options,
            default: to_json(&spec.default),
            wit: spec,
        };
        check_value(&out.wit.kind, &out.wit.default)
            .map_err(|e| format!("default of parameter `{}`: {e}", out.name))?;
        Ok(out)
    }

    /// Converts a JSON value to this parameter's typed value, checking kind and bounds.
    pub fn parse(&self, v: &Value) -> Result<wt::ParamValue, String> {
        let wrong = || {
            format!(
                "parameter `{}` expects a {} value, got {v}",
                self.name, self.kind
            )
        };
        let value = match &self.wit.kind {
            wt::ParamKind::Boolean => wt::ParamValue::Boolean(v.as_bool().ok_or_else(wrong)?),
            wt::ParamKind::Integer(_) => wt::ParamValue::Integer(v.as_i64().ok_or_else(wrong)?),
            wt::ParamKind::Number(_) => wt::ParamValue::Number(v.as_f64().ok_or_else(wrong)?),
            wt::ParamKind::Text => wt::ParamValue::Text(v.as_str().ok_or_else(wrong)?.to_owned()),
            wt::ParamKind::Choice(_) => {
                wt::ParamValue::Choice(v.as_str().ok_or_else(wrong)?.to_owned())
            }
        };
        check_value(&self.wit.kind, &value)
            .map_err(|e| format!("parameter `{}`: {e}", self.name))?;
        Ok(value)
    }
}

/// Checks that `value` matches `kind` and lies within its bounds.
fn check_value(kind: &wt::ParamKind, value: &wt::ParamValue) -> Result<(), String> {
    use wt::{ParamKind as K, ParamValue as V};
    match (kind, value) {
        (K::Boolean, V::Boolean(_)) | (K::Text, V::Text(_)) => Ok(()),
        (K::Integer(r), V::Integer(i)) if (r.min..=r.max).contains(i) => Ok(()),
        (K::Integer(r), V::Integer(i)) => Err(format!("{i} is outside {}..={}", r.min, r.max)),
        (K::Number(r), V::Number(x)) if x.is_finite() && (r.min..=r.max).contains(x) => Ok(()),
        (K::Number(r), V::Number(x)) => Err(format!("{x} is outside {}..={}", r.min, r.max)),
        (K::Choice(options), V::Choice(c)) if options.contains(c) => Ok(()),
        (K::Choice(options), V::Choice(c)) => {
            Err(format!("`{c}` is not one of {}", options.join(", ")))
        }
        _ => Err("the value's type does not match the parameter's kind".to_owned()),
    }
}

/// A typed value as JSON.
pub fn to_json(v: &wt::ParamValue) -> Value {
    match v {
        wt::ParamValue::Boolean(b) => Value::Bool(*b),
        wt::ParamValue::Integer(i) => Value::from(*i),
        wt::ParamValue::Number(x) => {
            serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number)
        }
        wt::ParamValue::Text(s) | wt::ParamValue::Choice(s) => Value::String(s.clone()),
    }
}

/// Checks a plugin id: 1 to [`MAX_ID_LEN`] of `a-z`, `0-9` and `-`, starting with a letter or
/// digit (it becomes a file name and a URL segment).
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && !id.starts_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "id `{}` must be 1-{MAX_ID_LEN} characters of a-z, 0-9 and `-`",
            id.chars().take(MAX_ID_LEN).collect::<String>()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(params: Vec<wt::ParamSpec>) -> wt::Manifest {
        wt::Manifest {
            id: "mask-tools".to_owned(),
            name: "Mask tools".to_owned(),
            version: "1.0.0".to_owned(),
            api_version: "0.1.0".to_owned(),
            kind: wt::PluginKind::Processor,
            hooks: wt::Hooks::TOOL,
            description: String::new(),
            params,
            capabilities: Vec::new(),
        }
    }

    fn int_param(default: i64) -> wt::ParamSpec {
        wt::ParamSpec {
            name: "radius".to_owned(),
            label: "Radius".to_owned(),
            description: String::new(),
            kind: wt::ParamKind::Integer(wt::IntegerRange {
                min: 0,
                max: 10,
                step: 1,
            }),
            default: wt::ParamValue::Integer(default),
        }
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id("mask-tools2").is_ok());
        for bad in ["", "-x", "Mask", "a/b", "a.b", &"a".repeat(65)] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_must_match_kinds_and_bounds() {
        assert!(Manifest::validate(manifest(vec![int_param(3)]), PluginKind::Processor).is_ok());
        assert!(Manifest::validate(manifest(vec![int_param(11)]), PluginKind::Processor).is_err());
        let mut p = int_param(1);
        p.default = wt::ParamValue::Text("x".to_owned());
        assert!(Manifest::validate(manifest(vec![p]), PluginKind::Processor).is_err());
    }

    #[test]
    fn api_version_and_world_are_checked() {
        let mut m = manifest(Vec::new());
        m.api_version = "0.2.0".to_owned();
        assert!(Manifest::validate(m, PluginKind::Processor).is_err());
        assert!(Manifest::validate(manifest(Vec::new()), PluginKind::MaskGenerator).is_err());
    }

    #[test]
    fn params_merge_defaults_stored_and_given() {
        let m = Manifest::validate(manifest(vec![int_param(3)]), PluginKind::Processor).unwrap();
        let empty = serde_json::Map::new();
        let p = m.params(&empty, &empty).unwrap();
        assert_eq!(p[0].value, wt::ParamValue::Integer(3));
        let mut given = serde_json::Map::new();
        given.insert("radius".to_owned(), Value::from(7));
        assert_eq!(
            m.params(&empty, &given).unwrap()[0].value,
            wt::ParamValue::Integer(7)
        );
        given.insert("radius".to_owned(), Value::from(70));
        assert!(m.params(&empty, &given).is_err());
        given.clear();
        given.insert("nope".to_owned(), Value::from(1));
        assert!(m.params(&empty, &given).is_err());
    }
}
