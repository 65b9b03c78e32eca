//! Lenient number and boolean parsing, as IOPaint's pydantic models accept them in "lax" mode:
//! `"5"` and `5.0` are the integer 5, `"0.5"` is a float, `"true"`/`"1"`/`1` are `true`.
//! Anything else (a fractional float for an int, an object, …) is a 422.

use serde::de::{self, Deserializer, Unexpected, Visitor};

/// Deserializes an `i64` from an integer, an integral float or a numeric string.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(IntVisitor)
}

/// Deserializes an `f64` from a number or a numeric string.
pub fn float<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    d.deserialize_any(FloatVisitor)
}

/// Deserializes a `bool` from a bool, 0/1 or one of pydantic's strings.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    d.deserialize_any(BoolVisitor)
}

struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an integer")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // `as` saturates; the range check makes sure nothing was clipped.
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(v as i64)
        } else {
            Err(E::invalid_value(Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse::<i64>()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
    }
}

struct FloatVisitor;

impl Visitor<'_> for FloatVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
}

struct BoolVisitor;

impl Visitor<'_> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a boolean")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(Unexpected::Signed(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => Ok(true),
            "false" | "0" | "no" | "off" | "f" | "n" => Ok(false),
            _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct T {
        #[serde(deserialize_with = "super::int")]
        i: i64,
        #[serde(deserialize_with = "super::float")]
        f: f64,
        #[serde(deserialize_with = "super::boolean")]
        b: bool,
    }

    fn parse(s: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(s)
    }

    #[test]
    fn accepts_what_pydantic_lax_mode_accepts() {
        let t = parse(r#"{"i": "5", "f": "0.5", "b": "true"}"#).unwrap();
        assert_eq!((t.i, t.f, t.b), (5, 0.5, true));
        let t = parse(r#"{"i": 1.0, "f": 2, "b": 0}"#).unwrap();
        assert_eq!((t.i, t.f, t.b), (1, 2.0, false));
    }

    #[test]
    fn rejects_what_pydantic_rejects() {
        assert!(parse(r#"{"i": 1.5, "f": 1, "b": true}"#).is_err());
        assert!(parse(r#"{"i": "x", "f": 1, "b": true}"#).is_err());
        assert!(parse(r#"{"i": 1, "f": "nan", "b": true}"#).is_err());
        assert!(parse(r#"{"i": 1, "f": 1, "b": 2}"#).is_err());
        assert!(parse(r#"{"i": {}, "f": 1, "b": true}"#).is_err());
        assert!(parse(r#"{"i": 1e300, "f": 1, "b": true}"#).is_err());
    }
}
