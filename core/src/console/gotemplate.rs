//! Go's `text/template`, as `kubectl get -o go-template=…` and `--template` run it over an
//! object's JSON: the subset the Kubernetes documentation uses and then some. Actions print
//! fields (`{{.metadata.name}}`), strings (`{{"\n"}}`) and pipelines (`{{.x | printf "%q"}}`);
//! `range` (with `$i, $c :=`), `if`/`else if`/`else`, `with`, `break` and `continue` steer;
//! the functions are Go's built-ins (`index`, `len`, `printf`, `print`, `println`, `eq`, `ne`,
//! `lt`, `le`, `gt`, `ge`, `and`, `or`, `not`, `slice`, `html`, `js`, `urlquery`) and kubectl's
//! own (`exists`, `base64decode`). Values print as Go's `fmt` prints what kubectl decoded
//! (`map[ip:10.244.1.4]`), a missing key as `<no value>` (kubectl allows missing keys).
//!
//! A hand-written engine rather than a crate: the one Rust port of Go templates prints maps and
//! arrays in Rust's debug form, where kubectl users read Go's.

use std::fmt::Write as _;

use serde_json::{Number, Value};

use super::jsonpath::{go_json, go_text};

/// A parsed template.
#[derive(Clone, Debug)]
pub struct Template {
    nodes: Vec<Node>,
}

/// A bound on the work one execution may do (loop iterations plus actions), so no template on
/// any object keeps the console busy.
const MAX_STEPS: usize = 1_000_000;
/// A bound on what one execution may print.
const MAX_OUTPUT: usize = 8 << 20;

impl Template {
    /// Parses a template; errors read as Go's (`template: output:1: unexpected "}" in operand`).
    pub fn parse(text: &str) -> Result<Template, String> {
        let items = lex(text)?;
        let mut p = Parser { items, pos: 0 };
        let (nodes, end) = p.list()?;
        match end {
            ListEnd::Eof => {}
            ListEnd::End => return Err(p.error("unexpected {{end}}")),
            ListEnd::Else(_) => return Err(p.error("unexpected {{else}}")),
        }
        Ok(Template { nodes })
    }

    /// Runs the template with `data` as dot. Errors read as Go's (`executing "output" at <…>: …`).
    pub fn execute(&self, data: &Value) -> Result<String, String> {
        let mut e = Exec { out: String::new(), vars: vec![("$".into(), V::Json(data.clone()))], steps: 0 };
        match e.walk(&self.nodes, &V::Json(data.clone())) {
            Ok(_) => Ok(e.out),
            Err(Stop::Error(m)) => Err(m),
            Err(_) => Ok(e.out),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lexing: text and actions, with `{{-` and `-}}` trimming the whitespace beside them.

#[derive(Clone, Debug, PartialEq)]
enum Item {
    Text(String),
    /// An action's tokens, and the line it starts on (for error messages).
    Action(Vec<Tok>, usize),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// `.a.b`, or `.` alone (an empty chain); `adjacent` when it follows the previous token
    /// without space (`(index .x 0).y`).
    Field(Vec<String>, bool),
    Var(String),
    Str(String),
    Num(Number),
    Bool(bool),
    Nil,
    Ident(String),
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
}

fn lex(text: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut rest = text;
    let mut line = 1;
    while let Some(open) = rest.find("{{") {
        let mut literal = rest[..open].to_string();
        let mut body = &rest[open + 2..];
        if body.starts_with("- ") || body.starts_with("-\t") || body.starts_with("-\n") {
            literal.truncate(literal.trim_end().len());
            body = &body[1..];
        }
        line += literal.matches('\n').count();
        if !literal.is_empty() {
            items.push(Item::Text(literal));
        }
        // A comment runs to `*/}}` and may hold braces.
        let trimmed = body.trim_start();
        if trimmed.starts_with("/*") {
            let Some(end) = trimmed.find("*/") else {
                return Err(format!("template: output:{line}: unclosed comment"));
            };
            let after = trimmed[end + 2..].trim_start();
            let (after, trim_right) = match after.strip_prefix("-}}") {
                Some(a) => (a, true),
                None => match after.strip_prefix("}}") {
                    Some(a) => (a, false),
                    None => return Err(format!("template: output:{line}: comment ends before closing delimiter")),
                },
            };
            rest = if trim_right { after.trim_start() } else { after };
            continue;
        }
        let (toks, used, trim_right) = lex_action(body, line)?;
        items.push(Item::Action(toks, line));
        line += body[..used].matches('\n').count();
        rest = &body[used..];
        if trim_right {
            rest = rest.trim_start();
        }
    }
    if !rest.is_empty() {
        items.push(Item::Text(rest.to_string()));
    }
    Ok(items)
}

/// Tokens up to the closing `}}`; returns them, the bytes used (through the delimiter) and
/// whether the action ended with `-}}`.
fn lex_action(s: &str, line: usize) -> Result<(Vec<Tok>, usize, bool), String> {
    let b = s.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut spaced = true;
    let err = |m: &str| format!("template: output:{line}: {m}");
    loop {
        let Some(&c) = b.get(i) else { return Err(err("unclosed action")) };
        if c.is_ascii_whitespace() {
            if s[i..].trim_start().starts_with("-}}") {
                let j = i + (s[i..].len() - s[i..].trim_start().len());
                return Ok((toks, j + 3, true));
            }
            i += 1;
            spaced = true;
            continue;
        }
        if s[i..].starts_with("}}") {
            return Ok((toks, i + 2, false));
        }
        let adjacent = !spaced;
        spaced = false;
        match c {
            b'(' => {
                toks.push(Tok::LParen);
                i += 1;
            }
            b')' => {
                toks.push(Tok::RParen);
                i += 1;
            }
            b'|' => {
                toks.push(Tok::Pipe);
                i += 1;
            }
            b',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            b':' if b.get(i + 1) == Some(&b'=') => {
                toks.push(Tok::Declare);
                i += 2;
            }
            b'=' => {
                toks.push(Tok::Assign);
                i += 1;
            }
            b'"' => {
                let (text, used) = quoted(&s[i..]).map_err(|m| err(&m))?;
                toks.push(Tok::Str(text));
                i += used;
            }
            b'`' => {
                let Some(end) = s[i + 1..].find('`') else { return Err(err("unterminated raw quoted string")) };
                toks.push(Tok::Str(s[i + 1..i + 1 + end].to_string()));
                i += end + 2;
            }
            b'\'' => {
                let end = s[i + 1..].find('\'').ok_or_else(|| err("unterminated character constant"))?;
                let ch = s[i + 1..i + 1 + end].chars().next().unwrap_or('\0');
                toks.push(Tok::Num(Number::from(ch as u32)));
                i += end + 2;
            }
            b'.' if b.get(i + 1).is_none_or(|n| !n.is_ascii_digit()) => {
                let mut chain = Vec::new();
                while b.get(i) == Some(&b'.') {
                    let start = i + 1;
                    let mut j = start;
                    while b.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                        j += 1;
                    }
                    if j > start {
                        chain.push(s[start..j].to_string());
                    } else if !chain.is_empty() {
                        return Err(err("bad character U+002E '.'"));
                    }
                    i = j;
                    if j == start {
                        break;
                    }
                }
                toks.push(Tok::Field(chain, adjacent));
            }
            b'$' => {
                let mut j = i + 1;
                while b.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                    j += 1;
                }
                toks.push(Tok::Var(s[i..j].to_string()));
                i = j;
            }
            c if c.is_ascii_digit()
                || ((c == b'-' || c == b'+' || c == b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                let mut j = i + 1;
                while b.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.' || *c == b'_') {
                    j += 1;
                }
                let text = s[i..j].replace('_', "");
                let n = parse_number(&text).ok_or_else(|| err(&format!("bad number syntax: \"{}\"", &s[i..j])))?;
                toks.push(Tok::Num(n));
                i = j;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i;
                while b.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                    j += 1;
                }
                let word = &s[i..j];
                toks.push(match word {
                    "true" => Tok::Bool(true),
                    "false" => Tok::Bool(false),
                    "nil" => Tok::Nil,
                    w => Tok::Ident(w.to_string()),
                });
                i = j;
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                return Err(err(&format!("unexpected {ch:?} in command")));
            }
        }
    }
}

fn parse_number(text: &str) -> Option<Number> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok().map(Number::from);
    }
    if let Ok(i) = text.parse::<i64>() {
        return Some(Number::from(i));
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

/// A Go interpreted string literal at the start of `s`: its value and the bytes it took.
fn quoted(s: &str) -> Result<(String, usize), String> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 1)),
            '\n' => break,
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some('\'') => out.push('\''),
                Some('a') => out.push('\u{7}'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some('v') => out.push('\u{b}'),
                Some('0') => out.push('\0'),
                Some(o) => return Err(format!("invalid syntax: unknown escape \\{o}")),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("unterminated quoted string".into())
}

// ---------------------------------------------------------------------------------------------
// Parsing: actions into a tree.

#[derive(Clone, Debug)]
enum Node {
    Text(String),
    Action(Pipeline),
    If { branches: Vec<(Pipeline, Vec<Node>)>, otherwise: Vec<Node> },
    With { branches: Vec<(Pipeline, Vec<Node>)>, otherwise: Vec<Node> },
    Range { pipe: Pipeline, body: Vec<Node>, otherwise: Vec<Node> },
    Break,
    Continue,
}

#[derive(Clone, Debug)]
struct Pipeline {
    /// Variables the pipeline declares (`$x :=`) or assigns (`$x =`).
    vars: Vec<String>,
    declare: bool,
    cmds: Vec<Vec<Arg>>,
    line: usize,
    text: String,
}

#[derive(Clone, Debug)]
enum Arg {
    Field(Vec<String>),
    Var(String, Vec<String>),
    Lit(Value),
    Ident(String),
    Sub(Box<Pipeline>, Vec<String>),
}

struct Parser {
    items: Vec<Item>,
    pos: usize,
}

/// How a list ended.
#[derive(Debug, PartialEq)]
enum ListEnd {
    End,
    /// `{{else}}`, or `{{else if …}}` / `{{else with …}}` with the tokens after `else`.
    Else(Vec<Tok>),
    Eof,
}

impl Parser {
    fn error(&self, m: &str) -> String {
        let line = match self.items.get(self.pos.saturating_sub(1)) {
            Some(Item::Action(_, l)) => *l,
            _ => 1,
        };
        format!("template: output:{line}: {m}")
    }

    /// Nodes up to an `end` or `else` (returned as the list's end) or the template's end.
    fn list(&mut self) -> Result<(Vec<Node>, ListEnd), String> {
        let mut nodes = Vec::new();
        while let Some(item) = self.items.get(self.pos).cloned() {
            self.pos += 1;
            match item {
                Item::Text(t) => nodes.push(Node::Text(t)),
                Item::Action(toks, line) => match toks.first() {
                    Some(Tok::Ident(k)) if k == "end" => return Ok((nodes, ListEnd::End)),
                    Some(Tok::Ident(k)) if k == "else" => return Ok((nodes, ListEnd::Else(toks[1..].to_vec()))),
                    Some(Tok::Ident(k)) if k == "if" || k == "with" => {
                        let node = self.branching(k == "if", &toks[1..], line)?;
                        nodes.push(node);
                    }
                    Some(Tok::Ident(k)) if k == "range" => {
                        let pipe = pipeline(&toks[1..], line, true)?;
                        let (body, end) = self.list()?;
                        let otherwise = match end {
                            ListEnd::End => Vec::new(),
                            ListEnd::Else(rest) if rest.is_empty() => {
                                let (o, end) = self.list()?;
                                if end != ListEnd::End {
                                    return Err(self.error("expected end; found else"));
                                }
                                o
                            }
                            ListEnd::Else(_) => return Err(self.error("expected end; found else")),
                            ListEnd::Eof => return Err(self.error("unexpected EOF")),
                        };
                        nodes.push(Node::Range { pipe, body, otherwise });
                    }
                    Some(Tok::Ident(k)) if k == "break" => nodes.push(Node::Break),
                    Some(Tok::Ident(k)) if k == "continue" => nodes.push(Node::Continue),
                    Some(Tok::Ident(k)) if matches!(k.as_str(), "define" | "template" | "block") => {
                        return Err(self.error(&format!("{{{{{k}}}}} is not supported in a kubectl template")));
                    }
                    None => return Err(self.error("missing value for command")),
                    _ => nodes.push(Node::Action(pipeline(&toks, line, false)?)),
                },
            }
        }
        Ok((nodes, ListEnd::Eof))
    }

    /// `if`/`with` with their `else if`/`else with` chains and a final `else`.
    fn branching(&mut self, is_if: bool, first: &[Tok], line: usize) -> Result<Node, String> {
        let keyword = if is_if { "if" } else { "with" };
        let mut branches = vec![(pipeline(first, line, false)?, Vec::new())];
        let mut otherwise = Vec::new();
        loop {
            let (body, end) = self.list()?;
            let last = branches.len() - 1;
            branches[last].1 = body;
            match end {
                ListEnd::End => break,
                ListEnd::Else(rest) if rest.is_empty() => {
                    let (o, end) = self.list()?;
                    if end != ListEnd::End {
                        return Err(self.error("expected end; found else"));
                    }
                    otherwise = o;
                    break;
                }
                // `{{else if x}}` (or `{{else with x}}`): another branch of the same chain.
                ListEnd::Else(rest) => match rest.split_first() {
                    Some((Tok::Ident(k), cond)) if k == keyword => {
                        branches.push((pipeline(cond, line, false)?, Vec::new()));
                    }
                    _ => return Err(self.error("expected end; found else")),
                },
                ListEnd::Eof => return Err(self.error("unexpected EOF")),
            }
        }
        Ok(if is_if { Node::If { branches, otherwise } } else { Node::With { branches, otherwise } })
    }
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Field(chain, _) => {
            if chain.is_empty() {
                ".".into()
            } else {
                chain.iter().map(|c| format!(".{c}")).collect()
            }
        }
        Tok::Var(v) => v.clone(),
        Tok::Str(s) => format!("{s:?}"),
        Tok::Num(n) => n.to_string(),
        Tok::Bool(b) => b.to_string(),
        Tok::Nil => "nil".into(),
        Tok::Ident(i) => i.clone(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::Pipe => "|".into(),
        Tok::Declare => ":=".into(),
        Tok::Assign => "=".into(),
        Tok::Comma => ",".into(),
    }
}

/// A pipeline: optional `$a[, $b] :=`, then commands separated by `|`.
fn pipeline(toks: &[Tok], line: usize, range: bool) -> Result<Pipeline, String> {
    let err = |m: &str| format!("template: output:{line}: {m}");
    let text = toks.iter().map(tok_text).collect::<Vec<_>>().join(" ");
    let mut vars = Vec::new();
    let mut declare = false;
    let mut rest = toks;
    // Declarations: `$x :=`, `$i, $c :=` (range only), `$x =`.
    let decl_at = toks.iter().position(|t| matches!(t, Tok::Declare | Tok::Assign));
    if let Some(at) = decl_at {
        let names = &toks[..at];
        let ok = match names {
            [Tok::Var(a)] => {
                vars.push(a.clone());
                true
            }
            [Tok::Var(a), Tok::Comma, Tok::Var(b)] if range => {
                vars.push(a.clone());
                vars.push(b.clone());
                true
            }
            _ => false,
        };
        if ok {
            declare = toks[at] == Tok::Declare;
            rest = &toks[at + 1..];
        }
    }
    let mut cmds = Vec::new();
    let mut pos = 0;
    loop {
        let (args, used) = command(&rest[pos..], line)?;
        if args.is_empty() {
            return Err(err("missing value for command"));
        }
        cmds.push(args);
        pos += used;
        match rest.get(pos) {
            Some(Tok::Pipe) => pos += 1,
            None => break,
            Some(t) => return Err(err(&format!("unexpected {:?} in operand", tok_text(t)))),
        }
    }
    Ok(Pipeline { vars, declare, cmds, line, text })
}

/// One command's operands, up to a `|`, a `)` or the end; returns them and the tokens used.
fn command(toks: &[Tok], line: usize) -> Result<(Vec<Arg>, usize), String> {
    let err = |m: &str| format!("template: output:{line}: {m}");
    let mut args = Vec::new();
    let mut i = 0;
    while let Some(t) = toks.get(i) {
        let arg = match t {
            Tok::Pipe | Tok::RParen => break,
            Tok::Field(chain, adjacent) => {
                // A field right after a value chains onto it (`$x.y` is lexed as two tokens).
                if *adjacent && let Some(last) = args.last_mut() {
                    match last {
                        Arg::Var(_, c) | Arg::Sub(_, c) | Arg::Field(c) => {
                            c.extend(chain.iter().cloned());
                            i += 1;
                            continue;
                        }
                        _ => return Err(err("unexpected . after term")),
                    }
                }
                Arg::Field(chain.clone())
            }
            Tok::Var(v) => Arg::Var(v.clone(), Vec::new()),
            Tok::Str(s) => Arg::Lit(Value::String(s.clone())),
            Tok::Num(n) => Arg::Lit(Value::Number(n.clone())),
            Tok::Bool(b) => Arg::Lit(Value::Bool(*b)),
            Tok::Nil => Arg::Lit(Value::Null),
            Tok::Ident(name) => {
                if !FUNCTIONS.contains(&name.as_str()) {
                    return Err(err(&format!("function \"{name}\" not defined")));
                }
                Arg::Ident(name.clone())
            }
            Tok::LParen => {
                let mut depth = 0;
                let mut end = None;
                for (j, t) in toks.iter().enumerate().skip(i) {
                    match t {
                        Tok::LParen => depth += 1,
                        Tok::RParen => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(j);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let Some(end) = end else { return Err(err("unclosed left paren")) };
                let inner = pipeline(&toks[i + 1..end], line, false)?;
                i = end;
                Arg::Sub(Box::new(inner), Vec::new())
            }
            Tok::Declare | Tok::Assign | Tok::Comma => return Err(err(&format!("unexpected {:?}", tok_text(t)))),
        };
        args.push(arg);
        i += 1;
    }
    Ok((args, i))
}

const FUNCTIONS: &[&str] = &[
    "and",
    "or",
    "not",
    "len",
    "index",
    "slice",
    "print",
    "printf",
    "println",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "html",
    "js",
    "urlquery",
    "exists",
    "base64decode",
];

// ---------------------------------------------------------------------------------------------
// Execution.

/// A value during execution: JSON, or Go's invalid value (what a missing map key gives).
#[derive(Clone, Debug, PartialEq)]
enum V {
    Json(Value),
    Missing,
}

impl V {
    fn truthy(&self) -> bool {
        match self {
            V::Missing | V::Json(Value::Null) => false,
            V::Json(Value::Bool(b)) => *b,
            V::Json(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
            V::Json(Value::String(s)) => !s.is_empty(),
            V::Json(Value::Array(a)) => !a.is_empty(),
            V::Json(Value::Object(m)) => !m.is_empty(),
        }
    }

    fn text(&self) -> String {
        match self {
            V::Missing => "<no value>".into(),
            V::Json(v) => go_text(v),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            V::Missing | V::Json(Value::Null) => "<nil>",
            V::Json(Value::Bool(_)) => "bool",
            V::Json(Value::Number(n)) if n.is_f64() => "float64",
            V::Json(Value::Number(_)) => "int64",
            V::Json(Value::String(_)) => "string",
            V::Json(Value::Array(_)) => "[]interface {}",
            V::Json(Value::Object(_)) => "map[string]interface {}",
        }
    }
}

enum Stop {
    Error(String),
    Break,
    Continue,
}

struct Exec {
    out: String,
    vars: Vec<(String, V)>,
    steps: usize,
}

impl Exec {
    fn tick(&mut self) -> Result<(), Stop> {
        self.steps += 1;
        if self.steps > MAX_STEPS || self.out.len() > MAX_OUTPUT {
            return Err(Stop::Error("template: output: execution stopped: the template does too much work".into()));
        }
        Ok(())
    }

    fn walk(&mut self, nodes: &[Node], dot: &V) -> Result<(), Stop> {
        for n in nodes {
            self.tick()?;
            match n {
                Node::Text(t) => self.out.push_str(t),
                Node::Action(p) => {
                    let v = self.pipeline(p, dot)?;
                    if p.vars.is_empty() {
                        self.out.push_str(&v.text());
                    }
                }
                Node::If { branches, otherwise } | Node::With { branches, otherwise } => {
                    let is_with = matches!(n, Node::With { .. });
                    let mark = self.vars.len();
                    let mut taken = false;
                    for (cond, body) in branches {
                        let v = self.pipeline(cond, dot)?;
                        if v.truthy() {
                            let r = if is_with { self.walk(body, &v) } else { self.walk(body, dot) };
                            self.vars.truncate(mark);
                            r?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        let r = self.walk(otherwise, dot);
                        self.vars.truncate(mark);
                        r?;
                    }
                }
                Node::Range { pipe, body, otherwise } => self.range(pipe, body, otherwise, dot)?,
                Node::Break => return Err(Stop::Break),
                Node::Continue => return Err(Stop::Continue),
            }
        }
        Ok(())
    }

    fn range(&mut self, pipe: &Pipeline, body: &[Node], otherwise: &[Node], dot: &V) -> Result<(), Stop> {
        let mark = self.vars.len();
        let value = self.eval_cmds(pipe, dot)?;
        let entries: Vec<(Value, Value)> = match &value {
            V::Json(Value::Array(items)) => {
                items.iter().enumerate().map(|(i, v)| (Value::from(i as i64), v.clone())).collect()
            }
            V::Json(Value::Object(m)) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                keys.into_iter().map(|k| (Value::String(k.clone()), m[k].clone())).collect()
            }
            V::Json(Value::Number(n)) if n.as_i64().is_some() => {
                (0..n.as_i64().unwrap_or(0).clamp(0, MAX_STEPS as i64))
                    .map(|i| (Value::from(i), Value::from(i)))
                    .collect()
            }
            // Go ranges over nothing for an invalid value (a missing key) or nil.
            V::Missing | V::Json(Value::Null) => Vec::new(),
            other => {
                return Err(self.fail(pipe, &format!("range can't iterate over {}", other.text())));
            }
        };
        if entries.is_empty() {
            let r = self.walk(otherwise, dot);
            self.vars.truncate(mark);
            return r;
        }
        for (k, v) in entries {
            self.tick()?;
            match pipe.vars.as_slice() {
                [one] => self.set(one, V::Json(v.clone()), true),
                [i, c] => {
                    self.set(i, V::Json(k), true);
                    self.set(c, V::Json(v.clone()), true);
                }
                _ => {}
            }
            match self.walk(body, &V::Json(v)) {
                Ok(()) | Err(Stop::Continue) => {}
                Err(Stop::Break) => break,
                Err(e) => {
                    self.vars.truncate(mark);
                    return Err(e);
                }
            }
        }
        self.vars.truncate(mark);
        Ok(())
    }

    fn set(&mut self, name: &str, v: V, declare: bool) {
        if !declare && let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            slot.1 = v;
            return;
        }
        self.vars.push((name.to_string(), v));
    }

    fn fail(&self, p: &Pipeline, m: &str) -> Stop {
        Stop::Error(format!("template: output:{}: executing \"output\" at <{}>: {m}", p.line, p.text))
    }

    /// Evaluates a pipeline and binds its variables; the value it prints.
    fn pipeline(&mut self, p: &Pipeline, dot: &V) -> Result<V, Stop> {
        let v = self.eval_cmds(p, dot)?;
        for name in &p.vars {
            self.set(name, v.clone(), p.declare);
        }
        Ok(v)
    }

    fn eval_cmds(&mut self, p: &Pipeline, dot: &V) -> Result<V, Stop> {
        let mut prev: Option<V> = None;
        for cmd in &p.cmds {
            prev = Some(self.command(p, cmd, dot, prev)?);
        }
        Ok(prev.unwrap_or(V::Missing))
    }

    fn command(&mut self, p: &Pipeline, cmd: &[Arg], dot: &V, piped: Option<V>) -> Result<V, Stop> {
        let Some(first) = cmd.first() else { return Ok(V::Missing) };
        if let Arg::Ident(name) = first {
            let mut args = Vec::new();
            for a in &cmd[1..] {
                args.push(self.operand(p, a, dot)?);
            }
            args.extend(piped);
            return call(name, &args).map_err(|m| self.fail(p, &format!("error calling {name}: {m}")));
        }
        if cmd.len() > 1 || piped.is_some() {
            let shown = match first {
                Arg::Field(c) => c.iter().map(|f| format!(".{f}")).collect::<String>(),
                Arg::Lit(v) => go_text(v),
                _ => "value".into(),
            };
            return Err(self.fail(p, &format!("can't give argument to non-function {shown}")));
        }
        self.operand(p, first, dot)
    }

    fn operand(&mut self, p: &Pipeline, a: &Arg, dot: &V) -> Result<V, Stop> {
        match a {
            Arg::Lit(v) => Ok(V::Json(v.clone())),
            Arg::Field(chain) => self.fields(p, dot.clone(), chain),
            Arg::Var(name, chain) => {
                let Some((_, v)) = self.vars.iter().rev().find(|(n, _)| n == name).cloned() else {
                    return Err(Stop::Error(format!("template: output:{}: undefined variable \"{name}\"", p.line)));
                };
                self.fields(p, v, chain)
            }
            Arg::Sub(inner, chain) => {
                let v = self.eval_cmds(inner, dot)?;
                self.fields(p, v, chain)
            }
            Arg::Ident(name) => call(name, &[]).map_err(|m| self.fail(p, &format!("error calling {name}: {m}"))),
        }
    }

    /// `.a.b` from `v`: a missing key gives Go's invalid value; a field of nil is an error.
    fn fields(&self, p: &Pipeline, mut v: V, chain: &[String]) -> Result<V, Stop> {
        for f in chain {
            v = match v {
                V::Json(Value::Object(m)) => m.get(f).cloned().map_or(V::Missing, V::Json),
                V::Missing | V::Json(Value::Null) => {
                    return Err(self.fail(p, &format!("nil pointer evaluating interface {{}}.{f}")));
                }
                other => {
                    return Err(self.fail(p, &format!("can't evaluate field {f} in type {}", other.type_name())));
                }
            };
        }
        Ok(v)
    }
}

/// Calls a function with evaluated arguments.
fn call(name: &str, args: &[V]) -> Result<V, String> {
    let want = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!("wrong number of args for {name}: want {n} got {}", args.len()))
        }
    };
    Ok(match name {
        "and" => {
            if args.is_empty() {
                return Err("wrong number of args for and: want at least 1 got 0".into());
            }
            args.iter().find(|a| !a.truthy()).unwrap_or(&args[args.len() - 1]).clone()
        }
        "or" => {
            if args.is_empty() {
                return Err("wrong number of args for or: want at least 1 got 0".into());
            }
            args.iter().find(|a| a.truthy()).unwrap_or(&args[args.len() - 1]).clone()
        }
        "not" => {
            want(1)?;
            V::Json(Value::Bool(!args[0].truthy()))
        }
        "len" => {
            want(1)?;
            let n = match &args[0] {
                V::Json(Value::String(s)) => s.len(),
                V::Json(Value::Array(a)) => a.len(),
                V::Json(Value::Object(m)) => m.len(),
                other => return Err(format!("len of type {}", other.type_name())),
            };
            V::Json(Value::from(n as i64))
        }
        "index" => index(args)?,
        "slice" => slice(args)?,
        "print" | "println" => {
            // Go's Sprint puts spaces between operands when neither is a string.
            let mut s = String::new();
            for (i, a) in args.iter().enumerate() {
                let is_str = |v: &V| matches!(v, V::Json(Value::String(_)));
                if i > 0 && (name == "println" || (!is_str(a) && !is_str(&args[i - 1]))) {
                    s.push(' ');
                }
                s.push_str(&a.text());
            }
            if name == "println" {
                s.push('\n');
            }
            V::Json(Value::String(s))
        }
        "printf" => {
            let Some((fmt, rest)) = args.split_first() else {
                return Err("wrong number of args for printf: want at least 1 got 0".into());
            };
            let V::Json(Value::String(f)) = fmt else {
                return Err(format!("wrong type for value; expected string; got {}", fmt.type_name()));
            };
            V::Json(Value::String(sprintf(f, rest)))
        }
        "eq" => {
            let Some((first, rest)) = args.split_first() else {
                return Err("missing argument for comparison".into());
            };
            if rest.is_empty() {
                return Err("missing argument for comparison".into());
            }
            let mut any = false;
            for r in rest {
                if compare(first, r)? == std::cmp::Ordering::Equal {
                    any = true;
                }
            }
            V::Json(Value::Bool(any))
        }
        "ne" | "lt" | "le" | "gt" | "ge" => {
            want(2)?;
            let o = compare(&args[0], &args[1])?;
            if name != "ne" && !ordered(&args[0]) {
                return Err("invalid type for comparison".to_string());
            }
            use std::cmp::Ordering::*;
            V::Json(Value::Bool(match name {
                "ne" => o != Equal,
                "lt" => o == Less,
                "le" => o != Greater,
                "gt" => o == Greater,
                _ => o != Less,
            }))
        }
        "html" | "js" | "urlquery" => escape(name, args),
        // kubectl's own: whether a path of keys exists, and base64 decoding (secrets).
        "exists" => exists(args)?,
        "base64decode" => {
            want(1)?;
            let s = args[0].text();
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map_err(|e| format!("base64 decode failed: {e}"))?;
            V::Json(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        }
        other => return Err(format!("function \"{other}\" not defined")),
    })
}

/// `index x 1 "k"`: an element of an array, a map or a string, key by key.
fn index(args: &[V]) -> Result<V, String> {
    let Some((first, keys)) = args.split_first() else {
        return Err("wrong number of args for index: want at least 1 got 0".into());
    };
    let mut v = first.clone();
    for k in keys {
        v = match (&v, k) {
            (V::Json(Value::Array(a)), V::Json(Value::Number(n))) => {
                let i = n.as_i64().ok_or("cannot index slice/array with type float64")?;
                if i < 0 || i as usize >= a.len() {
                    return Err(format!("index out of range: {i}"));
                }
                V::Json(a[i as usize].clone())
            }
            (V::Json(Value::Object(m)), V::Json(Value::String(s))) => {
                m.get(s).cloned().map_or(V::Json(Value::Null), V::Json)
            }
            (V::Json(Value::String(s)), V::Json(Value::Number(n))) => {
                let i = n.as_i64().unwrap_or(-1);
                match s.as_bytes().get(i.max(0) as usize).filter(|_| i >= 0) {
                    Some(b) => V::Json(Value::from(*b as i64)),
                    None => return Err(format!("index out of range: {i}")),
                }
            }
            (V::Missing | V::Json(Value::Null), _) => return Err("index of untyped nil".into()),
            (V::Json(Value::Array(_)), k) => {
                return Err(format!("cannot index slice/array with type {}", k.type_name()));
            }
            (V::Json(Value::Object(_)), k) => {
                return Err(format!("value has type {}; should be string", k.type_name()));
            }
            (v, _) => return Err(format!("can't index item of type {}", v.type_name())),
        };
    }
    Ok(v)
}

/// `slice x 1 3`: part of an array or a string.
fn slice(args: &[V]) -> Result<V, String> {
    let json = |v: &V| match v {
        V::Json(j) => j.clone(),
        V::Missing => Value::Null,
    };
    let Some((first, idx)) = args.split_first() else {
        return Err("wrong number of args for slice: want at least 1 got 0".into());
    };
    let ints: Vec<i64> = idx.iter().map(|i| json(i).as_i64().unwrap_or(-1)).collect();
    let (len, make): (usize, Box<dyn Fn(usize, usize) -> Value>) = match first {
        V::Json(Value::Array(a)) => (a.len(), Box::new(|s, e| Value::Array(a[s..e].to_vec()))),
        V::Json(Value::String(s)) => (s.len(), Box::new(|a, b| Value::String(s.get(a..b).unwrap_or("").to_string()))),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let start = ints.first().copied().unwrap_or(0);
    let end = ints.get(1).copied().unwrap_or(len as i64);
    if start < 0 || end < start || end as usize > len {
        return Err(format!("index out of range: {}", if start < 0 { start } else { end }));
    }
    Ok(V::Json(make(start as usize, end as usize)))
}

/// kubectl's `exists x "a" "b"`: whether the path of keys leads somewhere.
fn exists(args: &[V]) -> Result<V, String> {
    let json = |v: &V| match v {
        V::Json(j) => j.clone(),
        V::Missing => Value::Null,
    };
    let Some((first, keys)) = args.split_first() else {
        return Err("wrong number of args for exists: want at least 1 got 0".into());
    };
    let mut v = json(first);
    let mut ok = true;
    for k in keys {
        let next = match (&v, json(k)) {
            (Value::Object(m), Value::String(s)) => m.get(&s).cloned(),
            (Value::Array(a), Value::Number(n)) => n.as_u64().and_then(|i| a.get(i as usize).cloned()),
            _ => None,
        };
        match next {
            Some(n) => v = n,
            None => {
                ok = false;
                break;
            }
        }
    }
    Ok(V::Json(Value::Bool(ok)))
}

/// Go's `html`, `js` and `urlquery` escapers.
fn escape(name: &str, args: &[V]) -> V {
    let s: String = args.iter().map(V::text).collect();
    V::Json(Value::String(match name {
        "html" => s
            .replace('&', "&amp;")
            .replace('\'', "&#39;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&#34;"),
        "js" => s
            .replace('\\', "\\\\")
            .replace('\'', "\\'")
            .replace('"', "\\\"")
            .replace('<', "\\u003C")
            .replace('>', "\\u003E"),
        _ => {
            let mut out = String::new();
            for b in s.bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
                    b' ' => out.push('+'),
                    b => {
                        let _ = write!(out, "%{b:02X}");
                    }
                }
            }
            out
        }
    }))
}

fn ordered(v: &V) -> bool {
    matches!(v, V::Json(Value::Number(_) | Value::String(_)))
}

/// Go's basic comparison: numbers with numbers, strings with strings, bools with bools.
fn compare(a: &V, b: &V) -> Result<std::cmp::Ordering, String> {
    use std::cmp::Ordering;
    match (a, b) {
        (V::Json(Value::Number(x)), V::Json(Value::Number(y))) => {
            Ok(x.as_f64().unwrap_or(0.0).total_cmp(&y.as_f64().unwrap_or(0.0)))
        }
        (V::Json(Value::String(x)), V::Json(Value::String(y))) => Ok(x.cmp(y)),
        (V::Json(Value::Bool(x)), V::Json(Value::Bool(y))) => Ok(x.cmp(y)),
        (V::Missing | V::Json(Value::Null), V::Missing | V::Json(Value::Null)) => Ok(Ordering::Equal),
        (V::Json(Value::Array(_) | Value::Object(_)), _) | (_, V::Json(Value::Array(_) | Value::Object(_))) => {
            Err("non-comparable type".into())
        }
        _ => Err("incompatible types for comparison".into()),
    }
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%v %s %d %q %t %f %x %X %o %b %c %%`, with
/// flags, width and precision.
fn sprintf(format: &str, args: &[V]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek().filter(|f| "+-# 0".contains(**f)) {
            flags.push(f);
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        next += 1;
        let j = match arg {
            V::Json(j) => j.clone(),
            V::Missing => Value::Null,
        };
        let body = match (verb, &j) {
            ('v', _) if flags.contains('+') || flags.contains('#') => arg.text(),
            ('v', _) => arg.text(),
            ('s', Value::String(s)) => match precision {
                Some(p) => s.chars().take(p).collect(),
                None => s.clone(),
            },
            ('s', Value::Array(_) | Value::Object(_)) => arg.text(),
            ('q', Value::String(s)) => go_json(&Value::String(s.clone()))
                .replace("\\u003c", "<")
                .replace("\\u003e", ">")
                .replace("\\u0026", "&"),
            ('d', Value::Number(n)) if n.as_i64().is_some() => {
                let i = n.as_i64().unwrap_or(0);
                if flags.contains('+') && i >= 0 { format!("+{i}") } else { i.to_string() }
            }
            ('t', Value::Bool(b)) => b.to_string(),
            ('f' | 'F', Value::Number(n)) => format!("{:.*}", precision.unwrap_or(6), n.as_f64().unwrap_or(0.0)),
            ('e', Value::Number(n)) => go_exp(n.as_f64().unwrap_or(0.0), precision.unwrap_or(6)),
            ('g', Value::Number(_)) => arg.text(),
            ('x', Value::Number(n)) if n.as_i64().is_some() => format!("{:x}", n.as_i64().unwrap_or(0)),
            ('X', Value::Number(n)) if n.as_i64().is_some() => format!("{:X}", n.as_i64().unwrap_or(0)),
            ('o', Value::Number(n)) if n.as_i64().is_some() => format!("{:o}", n.as_i64().unwrap_or(0)),
            ('b', Value::Number(n)) if n.as_i64().is_some() => format!("{:b}", n.as_i64().unwrap_or(0)),
            ('c', Value::Number(n)) => {
                n.as_u64().and_then(|u| char::from_u32(u as u32)).map(String::from).unwrap_or_default()
            }
            ('x', Value::String(s)) => s.bytes().map(|b| format!("{b:02x}")).collect(),
            ('X', Value::String(s)) => s.bytes().map(|b| format!("{b:02X}")).collect(),
            (v, _) => format!("%!{v}({}={})", arg.type_name(), arg.text()),
        };
        let w: usize = width.parse().unwrap_or(0);
        let len = body.chars().count();
        if len >= w {
            out.push_str(&body);
        } else if flags.contains('-') {
            out.push_str(&body);
            out.extend(std::iter::repeat_n(' ', w - len));
        } else if flags.contains('0') && matches!(verb, 'd' | 'f' | 'x' | 'X' | 'o' | 'b') {
            let (sign, digits) = body.strip_prefix('-').map_or(("", body.as_str()), |d| ("-", d));
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', w - len));
            out.push_str(digits);
        } else {
            out.extend(std::iter::repeat_n(' ', w - len));
            out.push_str(&body);
        }
    }
    if next < args.len() {
        let extra: Vec<String> = args[next..].iter().map(|a| format!("{}={}", a.type_name(), a.text())).collect();
        let _ = write!(out, "%!(EXTRA {})", extra.join(", "));
    }
    out
}

/// Go's `%e`: one digit, a point, `precision` digits and a two-digit exponent at least.
fn go_exp(f: f64, precision: usize) -> String {
    let s = format!("{f:.precision$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = exp.parse().unwrap_or(0);
    format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(t: &str, v: &Value) -> Result<String, String> {
        Template::parse(t)?.execute(v)
    }

    fn pod() -> Value {
        json!({
            "metadata": {"name": "web-0", "labels": {"app": "nginx"}},
            "spec": {
                "containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24"}, {"name": "side", "image": "busybox"}],
                "ports": [{"port": 8080, "nodePort": 31704}],
            },
            "status": {"podIPs": [{"ip": "10.244.1.4"}], "phase": "Running"},
        })
    }

    // The templates the Kubernetes documentation's tutorials use, as a real kubectl prints them:
    // Learn Kubernetes Basics modules 2-6 and StatefulSet Basics.
    #[test]
    fn the_tutorials_templates_print_as_kubectl_prints_them() {
        let list = json!({"items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}]});
        assert_eq!(run("{{range .items}}{{.metadata.name}}{{\"\\n\"}}{{end}}", &list).unwrap(), "a\nb\n");
        assert_eq!(run("{{(index .spec.ports 0).nodePort}}", &pod()).unwrap(), "31704");
        assert_eq!(
            run("{{range $i, $c := .spec.containers}}{{$c.image}}{{end}}", &pod()).unwrap(),
            "registry.k8s.io/nginx-slim:0.24busybox"
        );
    }

    #[test]
    fn values_print_as_go_prints_decoded_json() {
        assert_eq!(run("{{.status.podIPs}}", &pod()).unwrap(), "[map[ip:10.244.1.4]]");
        assert_eq!(run("{{.metadata.labels}}", &pod()).unwrap(), "map[app:nginx]");
        assert_eq!(run("{{.metadata.missing}}", &pod()).unwrap(), "<no value>");
        assert_eq!(run("{{index .metadata.labels \"app\"}}", &pod()).unwrap(), "nginx");
        assert_eq!(run("{{len .spec.containers}}", &pod()).unwrap(), "2");
    }

    #[test]
    fn control_flow_and_functions() {
        let p = pod();
        assert_eq!(run("{{if eq .status.phase \"Running\"}}up{{else}}down{{end}}", &p).unwrap(), "up");
        assert_eq!(run("{{if .nope}}x{{else if .status}}y{{end}}", &p).unwrap(), "y");
        assert_eq!(run("{{with .metadata}}{{.name}}{{end}}", &p).unwrap(), "web-0");
        assert_eq!(run("{{range .nope}}x{{else}}empty{{end}}", &p).unwrap(), "empty");
        assert_eq!(run("{{printf \"%s=%d\" .metadata.name 5}}", &p).unwrap(), "web-0=5");
        assert_eq!(run("{{.metadata.name | printf \"%q\"}}", &p).unwrap(), "\"web-0\"");
        assert_eq!(run("{{printf \"%-6s|%5d\" \"ab\" 42}}", &p).unwrap(), "ab    |   42");
        assert_eq!(run("{{$n := .metadata.name}}{{$n}}", &p).unwrap(), "web-0");
        assert_eq!(run("{{- \" a \" -}}  \n {{\"b\"}}", &p).unwrap(), " a b");
        assert_eq!(run("x{{/* a comment */}}y", &p).unwrap(), "xy");
        assert_eq!(
            run("{{range .spec.containers}}{{if eq .name \"nginx\"}}{{continue}}{{end}}{{.name}}{{end}}", &p).unwrap(),
            "side"
        );
        assert_eq!(run("{{and 1 0}} {{or 0 \"x\"}} {{not true}}", &p).unwrap(), "0 x false");
    }

    #[test]
    fn errors_read_as_go_writes_them() {
        assert!(Template::parse("{{.a").unwrap_err().contains("unclosed action"));
        assert!(Template::parse("{{nope 1}}").unwrap_err().contains("function \"nope\" not defined"));
        assert!(Template::parse("{{if .a}}x").unwrap_err().contains("unexpected EOF"));
        assert!(Template::parse("{{end}}").unwrap_err().contains("unexpected {{end}}"));
        let e = run("{{.status.nope.deeper}}", &pod()).unwrap_err();
        assert!(e.contains("nil pointer evaluating interface {}.deeper"), "{e}");
        let e = run("{{index .spec.containers 5}}", &pod()).unwrap_err();
        assert!(e.contains("error calling index: index out of range: 5"), "{e}");
        assert!(run("{{$x}}", &pod()).unwrap_err().contains("undefined variable"));
    }

    #[test]
    fn work_is_bounded() {
        let e = run("{{range 100000000}}{{range 100000000}}x{{end}}{{end}}", &json!({})).unwrap_err();
        assert!(e.contains("too much work"), "{e}");
    }
}
