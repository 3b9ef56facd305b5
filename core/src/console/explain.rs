//! `kubectl explain TYPE[.FIELD...] [--recursive]`: short field documentation for the kinds
//! Podscape simulates, laid out as kubectl's plaintext explain template lays out the API's
//! OpenAPI descriptions. The documentation itself lives in `explain.txt`.

use super::Output;
use crate::api::Kind;

const DOCS: &str = include_str!("explain.txt");

struct Field<'a> {
    name: &'a str,
    type_: &'a str,
    required: bool,
    doc: &'a str,
}

struct Type<'a> {
    version: &'a str,
    doc: &'a str,
    fields: Vec<Field<'a>>,
}

/// The documented type called `name`.
fn lookup(name: &str) -> Option<Type<'static>> {
    let mut found: Option<Type<'static>> = None;
    for line in DOCS.lines().filter(|l| !l.starts_with('#')) {
        let (head, doc) = line.split_once(" | ").unwrap_or((line, ""));
        if let Some(block) = head.strip_prefix("= ") {
            if found.is_some() {
                break;
            }
            let mut words = block.split_whitespace();
            if words.next() == Some(name) {
                found = Some(Type { version: words.next().unwrap_or(""), doc, fields: Vec::new() });
            }
        } else if let Some(t) = found.as_mut() {
            let mut words = head.split_whitespace();
            let (Some(name), Some(type_)) = (words.next(), words.next()) else { continue };
            t.fields.push(Field { name, type_, required: words.next() == Some("!"), doc });
        }
    }
    found
}

/// The block a field's type refers to: `[]Container` → `Container`.
fn element(type_: &str) -> &str {
    type_.trim_start_matches("[]")
}

pub fn run(args: &super::args::Args, out: &mut Output) {
    let Some(path) = args.positional.first() else {
        return out.fail(
            "error: You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.",
        );
    };
    let mut parts = path.split('.');
    let resource = parts.next().unwrap_or("");
    let Some(kind) = Kind::parse(resource) else {
        return out.fail(format!("error: the server doesn't have a resource type \"{resource}\""));
    };
    let Some(root) = lookup(kind.name()) else {
        return out.fail(format!(
            "error: Podscape has no field documentation for {}: it is stored, not simulated",
            kind.name()
        ));
    };
    let (group, version) = root.version.split_once('/').unwrap_or(("", root.version));
    let mut text = String::new();
    if !group.is_empty() {
        text.push_str(&format!("GROUP:      {group}\n"));
    }
    text.push_str(&format!("KIND:       {}\nVERSION:    {version}\n\n", kind.name()));
    // Walk the field path, type by type.
    let mut current = root;
    let mut field: Option<(String, String)> = None;
    let mut doc = current.doc;
    for name in parts {
        let Some(f) = current.fields.iter().find(|f| f.name == name) else {
            return out.fail(format!("error: field \"{name}\" does not exist"));
        };
        field = Some((f.name.to_string(), f.type_.to_string()));
        doc = f.doc;
        let next = lookup(element(f.type_));
        match next {
            Some(t) => current = t,
            None => current = Type { version: "", doc: "", fields: Vec::new() },
        }
    }
    if let Some((name, type_)) = &field {
        text.push_str(&format!("FIELD: {name} <{type_}>\n\n"));
    }
    text.push_str("DESCRIPTION:\n");
    wrap(&mut text, doc, 4);
    if !current.fields.is_empty() {
        text.push_str("\nFIELDS:\n");
        if args.flag("recursive") {
            recursive(&mut text, &current, 1, 0);
        } else {
            for (i, f) in current.fields.iter().enumerate() {
                if i > 0 {
                    text.push('\n');
                }
                let required = if f.required { " -required-" } else { "" };
                text.push_str(&format!("  {}\t<{}>{required}\n", f.name, f.type_));
                wrap(&mut text, f.doc, 4);
            }
        }
    }
    out.out(text);
}

/// `--recursive`: the field tree without descriptions, two spaces deeper per level.
fn recursive(text: &mut String, t: &Type<'_>, level: usize, depth: usize) {
    for f in &t.fields {
        let required = if f.required { " -required-" } else { "" };
        text.push_str(&format!("{}{}\t<{}>{required}\n", "  ".repeat(level), f.name, f.type_));
        // The tree is small and acyclic, but bound it all the same.
        if depth < 12
            && let Some(inner) = lookup(element(f.type_))
        {
            recursive(text, &inner, level + 1, depth + 1);
        }
    }
}

/// Words wrapped to 80 columns at `indent`, as the explain template wraps descriptions.
fn wrap(text: &mut String, doc: &str, indent: usize) {
    let width = 80 - indent;
    let mut line = String::new();
    for word in doc.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            text.push_str(&format!("{}{line}\n", " ".repeat(indent)));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        text.push_str(&format!("{}{line}\n", " ".repeat(indent)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every type a field names either has its own block or is a leaf kubectl prints as is.
    #[test]
    fn every_named_type_is_documented() {
        let leaves = ["string", "integer", "boolean", "Object", "IntOrString", "Quantity"];
        for line in DOCS.lines().filter(|l| !l.starts_with('#') && !l.starts_with("= ")) {
            let type_ = element(line.split_whitespace().nth(1).unwrap_or(""));
            if type_.starts_with("map[") || leaves.contains(&type_) {
                continue;
            }
            assert!(lookup(type_).is_some(), "{type_} in `{line}` has no block");
        }
    }

    #[test]
    fn every_simulated_kind_is_documented() {
        for kind in Kind::ALL.iter().filter(|k| k.simulated()) {
            if matches!(kind, Kind::Event | Kind::Endpoints) {
                continue;
            }
            assert!(lookup(kind.name()).is_some(), "{} has no documentation", kind.name());
        }
    }
}
