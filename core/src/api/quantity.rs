//! `resource.Quantity`: `100m`, `0.5`, `128Mi`, `1Gi`, `1e3`, as requests and capacities are
//! written. Kept as the text the user wrote (that is what the API echoes back) and read as an
//! exact number of thousandths when compared.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Quantity(pub String);

impl Quantity {
    /// The value in thousandths of a unit (milli-CPU for cpu, milli-bytes for memory), rounded up
    /// as Kubernetes rounds a request; None when the text is not a quantity.
    pub fn milli(&self) -> Option<i128> {
        parse_milli(&self.0)
    }

    /// The whole value, rounded up (bytes for memory, pods for pods).
    pub fn value(&self) -> Option<i128> {
        self.milli().map(|m| (m + 999).div_euclid(1000))
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A quantity may be written as a string or a bare number (`cpu: 1`, `memory: 1.5e9`).
impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let text = match v {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', got {other}"
                )));
            }
        };
        if parse_milli(&text).is_none() {
            return Err(serde::de::Error::custom(
                "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
            ));
        }
        Ok(Quantity(text))
    }
}

/// Parses a quantity into thousandths, rounding up fractions of a thousandth.
pub fn parse_milli(text: &str) -> Option<i128> {
    let s = text.trim();
    let (sign, s) = match s.strip_prefix('-') {
        Some(rest) => (-1i128, rest),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    let n = s.bytes().take_while(|c| c.is_ascii_digit() || *c == b'.').count();
    let (num, suffix) = s.split_at(n);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return None;
    }
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    // Scale as (multiplier numerator, power of ten) so decimal suffixes stay exact.
    let (mult, exp10): (i128, i32) = match suffix {
        "" => (1, 0),
        "n" => (1, -9),
        "u" => (1, -6),
        "m" => (1, -3),
        "k" => (1, 3),
        "M" => (1, 6),
        "G" => (1, 9),
        "T" => (1, 12),
        "P" => (1, 15),
        "E" => (1, 18),
        "Ki" => (1 << 10, 0),
        "Mi" => (1 << 20, 0),
        "Gi" => (1 << 30, 0),
        "Ti" => (1 << 40, 0),
        "Pi" => (1 << 50, 0),
        "Ei" => (1 << 60, 0),
        e if e.starts_with(['e', 'E']) => (1, e[1..].parse::<i32>().ok().filter(|x| x.abs() <= 30)?),
        _ => return None,
    };
    if int_part.len() + frac_part.len() > 30 {
        return None;
    }
    // digits × 10^(exp10 + 3 - frac_len) × mult, rounded up.
    let digits: i128 = format!("{int_part}{frac_part}").parse().ok()?;
    let shift = exp10 + 3 - frac_part.len() as i32;
    let scaled = if shift >= 0 {
        digits.checked_mul(10i128.checked_pow(shift as u32)?)?.checked_mul(mult)?
    } else {
        let div = 10i128.checked_pow((-shift) as u32)?;
        let x = digits.checked_mul(mult)?;
        (x + div - 1) / div
    };
    Some(sign * scaled)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from apimachinery's quantity_test.go.
    #[test]
    fn quantities_parse_as_apimachinery_parses_them() {
        for (text, milli) in [
            ("0", 0),
            ("1", 1000),
            ("100m", 100),
            ("0.5", 500),
            ("1.5", 1500),
            ("2k", 2_000_000),
            ("1Ki", 1_024_000),
            ("128Mi", 134_217_728_000),
            ("1Gi", 1_073_741_824_000),
            ("1G", 1_000_000_000_000),
            ("1e3", 1_000_000),
            ("1n", 1),
            ("-1", -1000),
        ] {
            assert_eq!(parse_milli(text), Some(milli), "{text}");
        }
        for bad in ["", "m", "1x", "1.2.3", "--1", "1Kb", ".", "1e999"] {
            assert_eq!(parse_milli(bad), None, "{bad}");
        }
        assert_eq!(Quantity("16393208Ki".into()).value(), Some(16_393_208 * 1024));
    }
}
