//! Output shapes: kubectl's aligned tables, JSON and YAML as kubectl prints them.

use serde_json::Value;

/// Aligns rows as kubectl's tab writer does (`text/tabwriter` with minwidth 6, padding 3): every
/// column but the last is padded to its widest cell plus three spaces.
pub fn table(rows: &[Vec<String>]) -> String {
    table_padded(rows, 3, 6)
}

/// A table with another padding and minimum width, for the few kubectl outputs that use their own
/// tab writer (`rollout history`: padding 2).
pub fn table_padded(rows: &[Vec<String>], padding: usize, min_width: usize) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let width = (widths[i] + padding).max(min_width);
                for _ in cell.chars().count()..width {
                    line.push(' ');
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A table printed in pieces through one tab writer that remembers its column widths between
/// flushes (kubectl's fork of text/tabwriter with `RememberWidths`), as `kubectl get -w` prints its
/// events: a column only ever widens, so later rows stay aligned with the first table.
pub fn table_remembering(rows: &[Vec<String>], widths: &mut Vec<usize>) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    if widths.len() < cols {
        widths.resize(cols, 0);
    }
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < row.len() {
                widths[i] = widths[i].max((cell.chars().count() + 3).max(6));
            }
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                for _ in cell.chars().count()..widths[i] {
                    line.push(' ');
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A table whose every cell, the last one included, ends with a tab (`kubectl top` prints
/// `value\t` per cell), so every column is padded and lines end in spaces, as kubectl's do.
pub fn table_tab_terminated(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![6usize; cols];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count() + 3);
        }
    }
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            out.extend(std::iter::repeat_n(' ', widths[i] - cell.chars().count()));
        }
        out.push('\n');
    }
    out
}

/// JSON as kubectl prints it: four-space indentation, keys in order, a newline at the end.
pub fn json(value: &Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    if serde::Serialize::serialize(value, &mut ser).is_err() {
        return "{}\n".into();
    }
    let mut s = String::from_utf8(buf).unwrap_or_default();
    s.push('\n');
    s
}

/// YAML as kubectl prints it (sigs.k8s.io/yaml over go-yaml v2): block style, keys sorted,
/// sequences not indented under their key, and go-yaml's scalar styles: plain where the text
/// reads back as the same string, double quotes where it would read back as something else (a
/// bool, a number, a timestamp), single quotes where YAML syntax gets in the way, a literal block
/// for text with line breaks.
///
/// A serialiser crate would choose styles by its own rules (serde-saphyr, for one, quotes IP
/// addresses as YAML 1.1 floats and leaves timestamps bare), and kubectl users read these
/// documents closely, so the emitter follows go-yaml's rules itself.
pub fn yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => yaml_map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => yaml_seq(a, 0, &mut out),
        other => {
            out.push_str(&yaml_inline(other, 0));
            out.push('\n');
        }
    }
    out
}

fn indent(n: usize, out: &mut String) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn yaml_map(m: &serde_json::Map<String, Value>, ind: usize, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            indent(ind, out);
        }
        out.push_str(&yaml_scalar(k, ind));
        out.push(':');
        yaml_value_after_key(v, ind, out);
    }
}

/// A value after `key:` (or after `- `): nested blocks go on the next lines.
fn yaml_value_after_key(v: &Value, ind: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            indent(ind + 2, out);
            yaml_map(m, ind + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            indent(ind, out);
            yaml_seq(a, ind, out);
        }
        other => {
            out.push(' ');
            out.push_str(&yaml_inline(other, ind + 2));
            out.push('\n');
        }
    }
}

fn yaml_seq(a: &[Value], ind: usize, out: &mut String) {
    for (i, v) in a.iter().enumerate() {
        if i > 0 {
            indent(ind, out);
        }
        out.push_str("- ");
        match v {
            Value::Object(m) if !m.is_empty() => yaml_map(m, ind + 2, out),
            Value::Array(inner) if !inner.is_empty() => yaml_seq(inner, ind + 2, out),
            other => {
                out.push_str(&yaml_inline(other, ind + 2));
                out.push('\n');
            }
        }
    }
}

/// A scalar or an empty collection on one line; `ind` is where a literal block's lines start.
fn yaml_inline(v: &Value, ind: usize) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => yaml_scalar(s, ind),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn yaml_scalar(s: &str, ind: usize) -> String {
    if s.contains('\n') && !s.chars().any(|c| c.is_control() && c != '\n') {
        let chomp = if s.ends_with("\n\n") {
            "+"
        } else if s.ends_with('\n') {
            ""
        } else {
            "-"
        };
        let body = s.strip_suffix('\n').unwrap_or(s);
        let lead = if s.starts_with(' ') { "2" } else { "" };
        let mut out = format!("|{lead}{chomp}");
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                for _ in 0..ind {
                    out.push(' ');
                }
                out.push_str(line);
            }
        }
        return out;
    }
    if resolves_to_non_string(s) {
        return double_quoted(s);
    }
    if s.chars().any(|c| c.is_control() || c == '\u{feff}') {
        return double_quoted(s);
    }
    if plain_allowed(s) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "''"))
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// go-yaml v2's `resolve`: would this text, written plain, read back as a non-string?
fn resolves_to_non_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
        "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", ".inf", ".Inf", ".INF", "+.inf",
        "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", "<<",
    ];
    if SPECIAL.contains(&s) {
        return true;
    }
    is_yaml_int(s) || is_yaml_float(s) || is_yaml_timestamp(s) || is_base60(s)
}

fn is_yaml_int(s: &str) -> bool {
    let t = s.replace('_', "");
    let t = t.strip_prefix(['+', '-']).unwrap_or(&t);
    if let Some(h) = t.strip_prefix("0x") {
        return !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(b) = t.strip_prefix("0b") {
        return !b.is_empty() && b.chars().all(|c| c == '0' || c == '1');
    }
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit())
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mant, exp) = match t.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (t, None),
    };
    if let Some(e) = exp {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !e.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    let digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    match mant.split_once('.') {
        Some(("", f)) => !f.is_empty() && digits(f),
        Some((w, f)) => !w.is_empty() && digits(w) && digits(f),
        None => !mant.is_empty() && digits(mant),
    }
}

/// go-yaml's timestamp formats: a date, or a date and time (`2006-01-02T15:04:05Z07:00` and kin).
fn is_yaml_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 10 || !(b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-') {
        return false;
    }
    let date_ok = |d: &str| {
        let parts: Vec<&str> = d.split('-').collect();
        parts.len() == 3
            && parts[0].len() == 4
            && (1..=2).contains(&parts[1].len())
            && (1..=2).contains(&parts[2].len())
            && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
    };
    match s.find(['T', 't', ' ']) {
        None => date_ok(s),
        Some(i) => {
            date_ok(&s[..i]) && crate::time::SimTime::parse_rfc3339(&format!("{}T{}", &s[..i], &s[i + 1..])).is_some()
        }
    }
}

/// YAML 1.1 base-60 numbers (`1:30`, `190:20:30.15`), which go-yaml still resolves.
fn is_base60(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    let int = t.split_once('.').map_or(t, |(i, _)| i);
    let mut parts = int.split(':');
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    !rest.is_empty()
        && first.starts_with(|c: char| c.is_ascii_digit() && c != '0')
        && first.chars().all(|c| c.is_ascii_digit() || c == '_')
        && rest.iter().all(|p| (1..=2).contains(&p.len()) && p.parse::<u8>().is_ok_and(|n| n < 60))
}

/// libyaml's analysis of whether a plain scalar can carry this text.
fn plain_allowed(s: &str) -> bool {
    let first = s.chars().next().unwrap_or(' ');
    if matches!(
        first,
        '-' | '?'
            | ':'
            | ','
            | '['
            | ']'
            | '{'
            | '}'
            | '#'
            | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '\''
            | '"'
            | '%'
            | '@'
            | '`'
    ) {
        let next = s.chars().nth(1);
        // `-x`, `?x` and `:x` are fine in block context; the rest never are.
        if !(matches!(first, '-' | '?' | ':') && next.is_some_and(|c| !c.is_whitespace())) {
            return false;
        }
    }
    if s.starts_with(' ') || s.ends_with(' ') || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    !(s.contains(": ") || s.contains(" #") || s.ends_with(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_like_kubectl() {
        let rows = vec![
            vec!["NAME".into(), "READY".into(), "STATUS".into(), "AGE".into()],
            vec!["backend-abc".into(), "1/1".into(), "Running".into(), "5m".into()],
        ];
        assert_eq!(table(&rows), "NAME          READY   STATUS    AGE\nbackend-abc   1/1     Running   5m\n");
    }

    #[test]
    fn json_uses_four_spaces() {
        assert_eq!(json(&serde_json::json!({"a": [1]})), "{\n    \"a\": [\n        1\n    ]\n}\n");
    }

    #[test]
    fn yaml_is_block_style_with_compact_sequences() {
        let v = serde_json::json!({"kind": "List", "items": [{"a": [1, {"b": "c", "d": {}}], "e": []}], "metadata": {"x": null}});
        assert_eq!(yaml(&v), "items:\n- a:\n  - 1\n  - b: c\n    d: {}\n  e: []\nkind: List\nmetadata:\n  x: null\n");
    }

    /// go-yaml v2 quoting, as kubectl output shows it: IPs plain, timestamps and YAML 1.1 booleans
    /// double-quoted, YAML syntax single-quoted, line breaks as a literal block.
    #[test]
    fn yaml_scalars_are_styled_as_go_yaml_styles_them() {
        for (text, want) in [
            ("10.96.0.1", "10.96.0.1"),
            ("2026-01-01T00:00:00Z", "\"2026-01-01T00:00:00Z\""),
            ("True", "\"True\""),
            ("yes", "\"yes\""),
            ("on", "\"on\""),
            ("80", "\"80\""),
            ("1.5", "\"1.5\""),
            ("", "\"\""),
            ("25%", "25%"),
            ("nginx:1.27", "nginx:1.27"),
            ("a: b", "'a: b'"),
            ("*", "'*'"),
            ("- x", "'- x'"),
            ("it's", "it's"),
            ("Created pod: web-1", "'Created pod: web-1'"),
            ("/dev/termination-log", "/dev/termination-log"),
        ] {
            assert_eq!(yaml_scalar(text, 0), want, "{text}");
        }
        assert_eq!(yaml(&serde_json::json!({"a": "x\ny\n"})), "a: |\n  x\n  y\n");
        assert_eq!(yaml(&serde_json::json!({"a": "x\ny"})), "a: |-\n  x\n  y\n");
    }
}
