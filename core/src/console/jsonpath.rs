//! kubectl's JSONPath template language, the one behind `kubectl get -o jsonpath=...`.
//!
//! This is not RFC 9535 JSONPath. A template is literal text with actions in braces, and
//! kubectl's implementation (client-go's `util/jsonpath`) has its own rules for parsing,
//! for joining results with spaces, for `range`/`end` blocks and for printing values the way
//! Go does. Those rules are followed closely here, quirks included, so that a template
//! prints what kubectl would print for the same JSON.

use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::fmt::Write as _;

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    parts: Vec<Part>,
    allow_missing_keys: bool,
}

impl Template {
    /// Parses a template as `kubectl get -o jsonpath` does: text outside braces is literal.
    pub fn parse(text: &str) -> Result<Template, String> {
        let parts = parse_template(text, 0)?;
        Ok(Template { parts, allow_missing_keys: false })
    }

    /// Parses with the relaxation kubectl applies to custom columns and `--sort-by`: a template
    /// without any brace is read as a single path, so `.metadata.name` and `metadata.name` both
    /// mean `{.metadata.name}`, while `$.x`, `@.x` and `[0]` are only wrapped in braces.
    pub fn parse_relaxed(text: &str) -> Result<Template, String> {
        let parts = parse_template(&relax(text), 0)?;
        Ok(Template { parts, allow_missing_keys: false })
    }

    /// Chooses whether a field that does not exist is an error (the default, as in client-go)
    /// or simply yields nothing. kubectl's `-o jsonpath` printer turns this on.
    pub fn allow_missing_keys(mut self, allow: bool) -> Self {
        self.allow_missing_keys = allow;
        self
    }

    /// Executes against a JSON value and returns the text kubectl would print (no trailing newline added).
    pub fn execute(&self, data: &Value) -> Result<String, String> {
        let groups = self.groups(data)?;
        let mut out = String::new();
        for group in &groups {
            for (index, value) in group.iter().enumerate() {
                if index > 0 {
                    out.push(' ');
                }
                write_text(&mut out, *value);
            }
        }
        Ok(out)
    }

    /// Every value the template finds, each printed as Go's `%v` prints it, in result groups:
    /// what kubectl's custom-columns printer joins with commas.
    pub fn results(&self, data: &Value) -> Result<Vec<String>, String> {
        let groups = self.groups(data)?;
        let mut out = Vec::new();
        for group in &groups {
            out.extend(group.iter().map(|v| go_value_text(*v)));
        }
        Ok(out)
    }

    /// The values the template finds, in client-go's result groups.
    fn groups<'a>(&'a self, data: &'a Value) -> Result<Vec<Vec<Val<'a>>>, String> {
        let mut executor = Executor {
            parts: &self.parts,
            allow_missing_keys: self.allow_missing_keys,
            begin_range: 0,
            in_range: 0,
            end_range: 0,
            last_end: None,
        };
        let mut groups = Vec::new();
        executor.find_results(current(Val::Json(data)), 0, &mut groups)?;
        Ok(groups)
    }
}

/// Re-parsing nested pieces (union members, quoted keys, filter operands) is the only
/// recursion in the parser, so bounding it keeps hostile templates from exhausting the stack.
const MAX_PARSE_DEPTH: usize = 32;

/// Each nested `range` block is one level of recursion during execution; real templates nest
/// a handful, and the bound keeps a template made of thousands of `{range}` actions harmless.
const MAX_RANGE_DEPTH: usize = 64;

/// Wraps a brace-free template in an action, like kubectl's RelaxedJSONPathExpression does for
/// `.x` and `x`. Paths that start with `$`, `@` or `[` are wrapped as they are, because adding
/// a dot in front of them would produce an empty field name.
fn relax(text: &str) -> Cow<'_, str> {
    if text.is_empty() || text.contains(['{', '}']) {
        Cow::Borrowed(text)
    } else if text.starts_with(['.', '$', '@', '[']) {
        Cow::Owned(format!("{{{text}}}"))
    } else {
        Cow::Owned(format!("{{.{text}}}"))
    }
}

/// A top-level piece of a template: literal text or the nodes of one `{...}` action.
#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Action(Vec<Node>),
}

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Field(String),
    Wildcard,
    Recursive,
    Slice([Bound; 3]),
    Union(Vec<Vec<Node>>),
    Filter { left: Vec<Node>, op: FilterOp, right: Vec<Node> },
    Int(i64),
    Float(f64),
    Bool(bool),
    Identifier(String),
}

/// One of the start, end and step of a subscript. `derived` marks an end computed from a
/// single index (`[n]` means `[n:n+1]`), which client-go treats specially for `[-1]`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Bound {
    value: i64,
    known: bool,
    derived: bool,
}

/// The operator of a filter. Unknown comparison operators are kept so that the error appears
/// at execution time, as it does in client-go.
#[derive(Debug, Clone, PartialEq)]
enum FilterOp {
    Exists,
    Compare(String),
}

fn parse_template(text: &str, depth: usize) -> Result<Vec<Part>, String> {
    if depth > MAX_PARSE_DEPTH {
        return Err("template is nested too deeply".to_string());
    }
    let mut parser = Parser { input: text, pos: 0, depth };
    let mut parts = Vec::new();
    while let Some(offset) = parser.rest().find('{') {
        if offset > 0 {
            parts.push(Part::Text(parser.rest()[..offset].to_string()));
        }
        parser.pos += offset + 1;
        parts.push(Part::Action(parser.parse_action()?));
    }
    if !parser.rest().is_empty() {
        parts.push(Part::Text(parser.rest().to_string()));
    }
    Ok(parts)
}

/// Parses a piece of an action on its own. client-go does this by parsing `{piece}` as a whole
/// template and keeping only the first action, so anything after a stray `}` is checked for
/// errors but otherwise dropped; doing the same keeps odd inputs behaving identically.
fn parse_nested(piece: &str, depth: usize) -> Result<Vec<Node>, String> {
    let parts = parse_template(&format!("{{{piece}}}"), depth + 1)?;
    match parts.into_iter().next() {
        Some(Part::Action(nodes)) => Ok(nodes),
        _ => Ok(Vec::new()),
    }
}

struct Parser<'s> {
    input: &'s str,
    pos: usize,
    depth: usize,
}

impl<'s> Parser<'s> {
    fn rest(&self) -> &'s str {
        self.input.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Reports whether the byte just before the character that was last read is a backslash,
    /// which is how client-go decides that a quote is escaped.
    fn escaped(&self) -> bool {
        self.pos.checked_sub(2).and_then(|index| self.input.as_bytes().get(index)) == Some(&b'\\')
    }

    /// Parses the inside of an action, up to and including its closing brace.
    fn parse_action(&mut self) -> Result<Vec<Node>, String> {
        let mut nodes = Vec::new();
        loop {
            let rest = self.rest();
            if rest.starts_with('}') {
                self.pos += 1;
                return Ok(nodes);
            }
            if rest.starts_with("[?(") {
                self.pos += 3;
                self.parse_filter(&mut nodes)?;
                continue;
            }
            if rest.starts_with("..") {
                self.parse_recursive(&mut nodes)?;
                continue;
            }
            let Some(c) = self.next() else {
                return Err("unclosed action".to_string());
            };
            match c {
                '\r' | '\n' => return Err("unclosed action".to_string()),
                // `@` and `$` both mean "the current object", which is where evaluation
                // already is, so they produce no node; inside a range `$` is the item, not the root.
                ' ' | '@' | '$' => {}
                '[' => self.parse_array(&mut nodes)?,
                '"' | '\'' => self.parse_quote(&mut nodes, c)?,
                '.' => self.parse_field(&mut nodes),
                c if c == '+' || c == '-' || is_digit(c) => {
                    self.pos -= c.len_utf8();
                    self.parse_number(&mut nodes)?;
                }
                c if is_alphanumeric(c) => {
                    self.pos -= c.len_utf8();
                    self.parse_identifier(&mut nodes);
                }
                c => return Err(format!("unrecognized character in action: {}", go_rune(c))),
            }
        }
    }

    fn parse_recursive(&mut self, nodes: &mut Vec<Node>) -> Result<(), String> {
        if matches!(nodes.last(), Some(Node::Recursive)) {
            return Err("invalid multiple recursive descent".to_string());
        }
        self.pos += 2;
        nodes.push(Node::Recursive);
        if self.peek().is_some_and(is_alphanumeric) {
            self.parse_field(nodes);
        }
        Ok(())
    }

    /// Reads a field name up to the next unescaped terminator. A backslash escapes the next
    /// character (so `kubernetes\.io/name` is one key) and is then dropped from the name.
    fn parse_field(&mut self, nodes: &mut Vec<Node>) {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == '\\' {
                self.pos += 1;
                self.next();
            } else if is_terminator(c) {
                break;
            } else {
                self.pos += c.len_utf8();
            }
        }
        let name = &self.input[start..self.pos];
        if name == "*" {
            nodes.push(Node::Wildcard);
        } else {
            nodes.push(Node::Field(name.replace('\\', "")));
        }
    }

    fn parse_identifier(&mut self, nodes: &mut Vec<Node>) {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_terminator(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        match &self.input[start..self.pos] {
            "true" => nodes.push(Node::Bool(true)),
            "false" => nodes.push(Node::Bool(false)),
            name => nodes.push(Node::Identifier(name.to_string())),
        }
    }

    fn parse_number(&mut self, nodes: &mut Vec<Node>) -> Result<(), String> {
        let start = self.pos;
        if let Some(sign @ ('+' | '-')) = self.peek() {
            self.pos += sign.len_utf8();
        }
        while let Some(c) = self.peek() {
            if c != '.' && !is_digit(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        let text = &self.input[start..self.pos];
        if let Ok(int) = text.parse::<i64>() {
            nodes.push(Node::Int(int));
        } else if let Some(float) = text.parse::<f64>().ok().filter(|f| f.is_finite()) {
            nodes.push(Node::Float(float));
        } else {
            return Err(format!("cannot parse number {text}"));
        }
        Ok(())
    }

    /// Parses a subscript after its `[`. Like client-go it ends at the first `]`, even inside
    /// quotes, and then decides between a union, a quoted key and a slice.
    fn parse_array(&mut self, nodes: &mut Vec<Node>) -> Result<(), String> {
        let start = self.pos;
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated array".to_string()),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let mut inner = &self.input[start..self.pos - 1];
        if inner == "*" {
            inner = ":";
        }
        if inner.contains(',') {
            let mut members = Vec::new();
            for member in inner.split(',') {
                let member = format!("[{}]", member.trim_matches(' '));
                members.push(parse_nested(&member, self.depth)?);
            }
            nodes.push(Node::Union(members));
        } else if let Some(key) = quoted_key(inner) {
            // A quoted key is read as `.key`, so dots in it still separate fields unless escaped.
            nodes.extend(parse_nested(&format!(".{key}"), self.depth)?);
        } else {
            nodes.push(Node::Slice(parse_slice(inner)?));
        }
        Ok(())
    }

    /// Parses `[?(...)]` after its `[?(`. The filter ends at the first `)` that is not inside
    /// the first quoted string, which is all client-go tracks.
    fn parse_filter(&mut self, nodes: &mut Vec<Node>) -> Result<(), String> {
        let start = self.pos;
        let mut quote: Option<char> = None;
        let mut quote_closed = false;
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated filter".to_string()),
                Some(c @ ('"' | '\'')) => match quote {
                    None => quote = Some(c),
                    Some(open) => {
                        if c == open && !self.escaped() {
                            quote_closed = true;
                        }
                    }
                },
                Some(')') if quote.is_some() == quote_closed => break,
                Some(_) => {}
            }
        }
        if self.next() != Some(']') {
            return Err("unclosed array expect ]".to_string());
        }
        let text = &self.input[start..self.pos - 2];
        let node = match split_comparison(text) {
            None => Node::Filter { left: parse_nested(text, self.depth)?, op: FilterOp::Exists, right: Vec::new() },
            Some((left, op, right)) => Node::Filter {
                left: parse_nested(left, self.depth)?,
                op: FilterOp::Compare(op.to_string()),
                right: parse_nested(right, self.depth)?,
            },
        };
        nodes.push(node);
        Ok(())
    }

    fn parse_quote(&mut self, nodes: &mut Vec<Node>, quote: char) -> Result<(), String> {
        let start = self.pos - quote.len_utf8();
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated quoted string".to_string()),
                Some(c) if c == quote && !self.escaped() => break,
                Some(_) => {}
            }
        }
        let raw = &self.input[start..self.pos];
        let text = unquote(raw).map_err(|err| format!("unquote string {raw} error {err}"))?;
        nodes.push(Node::Text(text));
        Ok(())
    }
}

/// Reads a quoted key in brackets. client-go only accepts single quotes (`^'([^']*)'$`);
/// double quotes are read the same way here because `["key"]` is the other common spelling
/// and would otherwise be an error.
fn quoted_key(inner: &str) -> Option<&str> {
    let quote = inner.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let key = inner.strip_prefix(quote)?.strip_suffix(quote)?;
    (!key.contains(quote)).then_some(key)
}

/// Parses `start:end:step` the way client-go's regular expression and follow-up code do.
fn parse_slice(text: &str) -> Result<[Bound; 3], String> {
    fn split_number(s: &str) -> (&str, &str) {
        let sign = usize::from(s.starts_with('-'));
        let digits = s[sign..].bytes().take_while(u8::is_ascii_digit).count();
        s.split_at(sign + digits)
    }
    fn optional_group(rest: &mut &str) -> Option<String> {
        let after_colon = rest.strip_prefix(':')?;
        let (group, tail) = split_number(after_colon);
        *rest = tail;
        Some(group.to_string())
    }
    fn known(s: &str) -> Result<Bound, String> {
        let value = s.parse::<i64>().map_err(|_| format!("array index {s} is not a number"))?;
        Ok(Bound { value, known: true, derived: false })
    }

    let (first, mut rest) = split_number(text);
    let second = optional_group(&mut rest);
    let third = optional_group(&mut rest);
    if !rest.is_empty() {
        return Err(format!("invalid array index {text}"));
    }
    let start = if first.is_empty() { Bound::default() } else { known(first)? };
    let end = match second.as_deref() {
        // A lone index `[n]` selects `[n:n+1]`; Go's int arithmetic wraps, so this does too.
        None => Bound { value: start.value.wrapping_add(1), known: true, derived: true },
        Some("") => Bound::default(),
        Some(s) => known(s)?,
    };
    let step = match third.as_deref() {
        None | Some("") => Bound::default(),
        Some(s) => known(s)?,
    };
    Ok([start, end, step])
}

/// Splits a filter body the way `^([^!<>=]+)([!<>=]+)(.+?)$` does: the left side runs to the
/// first operator character, the operator is the run of operator characters that follows, and
/// at least one character must remain for the right side.
fn split_comparison(text: &str) -> Option<(&str, &str, &str)> {
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    let left_len = text.find(is_op)?;
    if left_len == 0 {
        return None;
    }
    let after = &text[left_len..];
    let run = after.find(|c: char| !is_op(c)).unwrap_or(after.len());
    let op_len = if run < after.len() {
        run
    } else if run >= 2 {
        run - 1
    } else {
        return None;
    };
    Some((&text[..left_len], &after[..op_len], &after[op_len..]))
}

/// Unquotes a single- or double-quoted string with Go's escape rules (`\n`, `\t`, `\x41`,
/// `\u00e9`, octal `\101`, ...). Byte escapes that do not form UTF-8 become U+FFFD, since the
/// result has to be a Rust string.
fn unquote(raw: &str) -> Result<String, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let bytes = raw.as_bytes();
    let (Some(&quote), Some(&last)) = (bytes.first(), bytes.last()) else {
        return Err(SYNTAX);
    };
    if bytes.len() < 2 || quote != last || !matches!(quote, b'"' | b'\'') {
        return Err(SYNTAX);
    }
    let inner = &bytes[1..bytes.len() - 1];
    let mut out = Vec::with_capacity(inner.len());
    let mut rest = inner;
    while let Some((&c, tail)) = rest.split_first() {
        rest = tail;
        if c == quote {
            return Err(SYNTAX);
        }
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some((&kind, tail)) = rest.split_first() else {
            return Err(SYNTAX);
        };
        rest = tail;
        match kind {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'\\' => out.push(b'\\'),
            b'\'' | b'"' if kind == quote => out.push(kind),
            b'x' | b'u' | b'U' => {
                let width = match kind {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let digits = rest.get(..width).ok_or(SYNTAX)?;
                rest = &rest[width..];
                let mut code: u32 = 0;
                for &digit in digits {
                    code = code << 4 | char::from(digit).to_digit(16).ok_or(SYNTAX)?;
                }
                if kind == b'x' {
                    out.push(u8::try_from(code).map_err(|_| SYNTAX)?);
                } else {
                    let ch = char::from_u32(code).ok_or(SYNTAX)?;
                    out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                }
            }
            b'0'..=b'7' => {
                let digits = rest.get(..2).ok_or(SYNTAX)?;
                rest = &rest[2..];
                let mut code = u32::from(kind - b'0');
                for &digit in digits {
                    if !(b'0'..=b'7').contains(&digit) {
                        return Err(SYNTAX);
                    }
                    code = code << 3 | u32::from(digit - b'0');
                }
                out.push(u8::try_from(code).map_err(|_| SYNTAX)?);
            }
            _ => return Err(SYNTAX),
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn is_terminator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}')
}

fn is_digit(c: char) -> bool {
    c.is_numeric()
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || is_digit(c)
}

/// Formats a character like Go's `%#U`, which client-go uses in its parse errors.
fn go_rune(c: char) -> String {
    let code = u32::from(c);
    let printable = if code <= 0xFF {
        (0x20..=0x7E).contains(&code) || ((0xA1..=0xFF).contains(&code) && code != 0xAD)
    } else {
        !c.is_control()
            && !c.is_whitespace()
            && !matches!(code, 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0xFEFF)
            && !matches!(code, 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xE0000..=0x10FFFF)
    };
    if printable { format!("U+{code:04X} '{c}'") } else { format!("U+{code:04X}") }
}

/// A value produced while executing a template. Besides parts of the input, client-go passes
/// template literals around as values, and iterating over a string yields its bytes.
#[derive(Debug, Clone, Copy)]
enum Val<'a> {
    Json(&'a Value),
    /// Go's invalid value: what a range item or the root becomes when it is JSON null.
    Nothing,
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Byte(u8),
}

/// Converts a value into the "current object" of a range body or of the whole template.
/// client-go passes `value.Interface()` there, and a null turns into Go's invalid value.
fn current(value: Val<'_>) -> Val<'_> {
    match value {
        Val::Json(Value::Null) => Val::Nothing,
        other => other,
    }
}

/// An execution error. Go's evaluation functions return values alongside their errors, and an
/// existence filter looks at those values while ignoring the error, so they are kept here.
struct Failure<'a> {
    message: String,
    values: Vec<Val<'a>>,
}

type Eval<'a> = Result<Vec<Val<'a>>, Failure<'a>>;

fn failure<'a>(message: impl Into<String>, values: Vec<Val<'a>>) -> Failure<'a> {
    Failure { message: message.into(), values }
}

/// The state of one execution. The range counters mirror client-go's, because the way `range`
/// and `end` pair up (and the errors for unbalanced ones) falls out of exactly this bookkeeping.
struct Executor<'a> {
    parts: &'a [Part],
    allow_missing_keys: bool,
    begin_range: usize,
    in_range: usize,
    end_range: usize,
    last_end: Option<usize>,
}

impl<'a> Executor<'a> {
    /// Evaluates the parts from `first` on against `data`, collecting one group of results per
    /// part. A range part runs the following parts once per item until the matching `end`.
    fn find_results(&mut self, data: Val<'a>, first: usize, out: &mut Vec<Vec<Val<'a>>>) -> Result<(), String> {
        let parts = self.parts;
        let mut index = first;
        while let Some(part) = parts.get(index) {
            let results = match part {
                Part::Text(text) => vec![Val::Str(text)],
                Part::Action(nodes) => self.eval_list(vec![data], nodes).map_err(|failure| failure.message)?,
            };
            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                self.last_end = Some(index);
                break;
            }
            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                if self.in_range > MAX_RANGE_DEPTH {
                    return Err("range blocks are nested too deeply".to_string());
                }
                if results.is_empty() {
                    // The body still runs once, with nothing as its object and its output
                    // discarded, so that the position of the matching `end` becomes known.
                    self.find_results(Val::Nothing, index + 1, &mut Vec::new())?;
                } else {
                    for value in results {
                        self.find_results(current(value), index + 1, out)?;
                    }
                }
                self.in_range -= 1;
                if let Some(end) = self.last_end.filter(|&end| end > index) {
                    index = end;
                }
                index += 1;
                continue;
            }
            out.push(results);
            index += 1;
        }
        Ok(())
    }

    fn eval_list(&mut self, input: Vec<Val<'a>>, nodes: &'a [Node]) -> Eval<'a> {
        let mut values = input;
        for node in nodes {
            values = self.walk(values, node)?;
        }
        Ok(values)
    }

    fn walk(&mut self, input: Vec<Val<'a>>, node: &'a Node) -> Eval<'a> {
        match node {
            Node::Text(text) => Ok(vec![Val::Str(text)]),
            Node::Field(name) => self.eval_field(input, name),
            Node::Slice(bounds) => eval_slice(input, bounds),
            Node::Filter { left, op, right } => self.eval_filter(input, left, op, right),
            Node::Int(value) => Ok(vec![Val::Int(*value); input.len()]),
            Node::Float(value) => Ok(vec![Val::Float(*value); input.len()]),
            Node::Bool(value) => Ok(vec![Val::Bool(*value); input.len()]),
            Node::Wildcard => Ok(eval_wildcard(&input)),
            Node::Recursive => Ok(eval_recursive(&input)),
            Node::Union(members) => self.eval_union(input, members),
            Node::Identifier(name) => self.eval_identifier(input, name),
        }
    }

    fn eval_identifier(&mut self, input: Vec<Val<'a>>, name: &str) -> Eval<'a> {
        match name {
            "range" => {
                self.begin_range += 1;
                Ok(input)
            }
            "end" if self.in_range > 0 => {
                self.end_range += 1;
                Ok(Vec::new())
            }
            "end" => Err(failure("not in range, nothing to end", Vec::new())),
            _ => Err(failure(format!("unrecognized identifier {name}"), input)),
        }
    }

    fn eval_field(&self, input: Vec<Val<'a>>, name: &str) -> Eval<'a> {
        if input.is_empty() {
            return Ok(input);
        }
        let results: Vec<Val<'a>> = input
            .iter()
            .filter_map(|value| match value {
                Val::Json(Value::Object(map)) => map.get(name).map(Val::Json),
                _ => None,
            })
            .collect();
        if results.is_empty() && !self.allow_missing_keys {
            return Err(failure(format!("{name} is not found"), results));
        }
        Ok(results)
    }

    fn eval_union(&mut self, input: Vec<Val<'a>>, members: &'a [Vec<Node>]) -> Eval<'a> {
        let mut results = Vec::new();
        for member in members {
            match self.eval_list(input.clone(), member) {
                Ok(values) => results.extend(values),
                Err(failed) => return Err(failure(failed.message, input)),
            }
        }
        Ok(results)
    }

    fn eval_filter(&mut self, input: Vec<Val<'a>>, left: &'a [Node], op: &FilterOp, right: &'a [Node]) -> Eval<'a> {
        let mut results = Vec::new();
        for value in &input {
            let Val::Json(Value::Array(items)) = value else {
                let message = format!("{} is not array or slice and cannot be filtered", go_value_text(*value));
                return Err(failure(message, input));
            };
            for item in items {
                let candidate = vec![Val::Json(item)];
                let lefts = self.eval_list(candidate.clone(), left);
                let FilterOp::Compare(op) = op else {
                    let found = match &lefts {
                        Ok(values) => !values.is_empty(),
                        Err(failed) => !failed.values.is_empty(),
                    };
                    if found {
                        results.push(Val::Json(item));
                    }
                    continue;
                };
                let lefts = lefts.map_err(|failed| failure(failed.message, input.clone()))?;
                let Some(left_value) = single(&lefts).map_err(|m| failure(m, input.clone()))? else {
                    continue;
                };
                let rights =
                    self.eval_list(candidate, right).map_err(|failed| failure(failed.message, input.clone()))?;
                let Some(right_value) = single(&rights).map_err(|m| failure(m, input.clone()))? else {
                    continue;
                };
                let Some(outcome) = compare(op, left_value, right_value) else {
                    return Err(failure(format!("unrecognized filter operator {op}"), results));
                };
                match outcome {
                    Ok(true) => results.push(Val::Json(item)),
                    Ok(false) => {}
                    Err(message) => return Err(failure(message, results)),
                }
            }
        }
        Ok(results)
    }
}

/// Picks the one operand of a comparison; an empty side means the item is skipped.
fn single<'a>(values: &[Val<'a>]) -> Result<Option<Val<'a>>, &'static str> {
    match values {
        [] => Ok(None),
        [value] => Ok(Some(*value)),
        _ => Err("can only compare one element at a time"),
    }
}

fn eval_slice<'a>(input: Vec<Val<'a>>, bounds: &[Bound; 3]) -> Eval<'a> {
    let mut results = Vec::new();
    for value in &input {
        let items = match value {
            Val::Json(Value::Array(items)) => items,
            // Nulls are skipped, as Go skips nil values; the invalid value would make Go panic.
            Val::Json(Value::Null) | Val::Nothing => continue,
            other => {
                let message = format!("{} is not array or slice", go_type_name(*other));
                return Err(failure(message, input));
            }
        };
        let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let [mut start, mut end, step] = *bounds;
        if !start.known {
            start.value = 0;
        }
        if start.value < 0 {
            start.value = start.value.wrapping_add(len);
        }
        if !end.known {
            end.value = len;
        }
        if end.value < 0 || (end.value == 0 && end.derived) {
            end.value = end.value.wrapping_add(len);
        }
        // client-go stops at the first empty selection, dropping any later inputs.
        if end.value == start.value {
            return Ok(results);
        }
        if start.value >= len || start.value < 0 {
            let message = format!("array index out of bounds: index {}, length {len}", start.value);
            return Err(failure(message, input));
        }
        if end.value > len || end.value < 0 {
            let message = format!("array index out of bounds: index {}, length {len}", end.value.wrapping_sub(1));
            return Err(failure(message, input));
        }
        if start.value > end.value {
            let message = format!("starting index {} is greater than ending index {}", start.value, end.value);
            return Err(failure(message, input));
        }
        let step = if step.known {
            if step.value <= 0 {
                return Err(failure("step must be > 0", input));
            }
            usize::try_from(step.value).unwrap_or(usize::MAX)
        } else {
            1
        };
        // Both bounds were checked to lie within 0..=len above.
        let (from, to) = (usize::try_from(start.value).unwrap_or(0), usize::try_from(end.value).unwrap_or(0));
        if let Some(selected) = items.get(from..to) {
            results.extend(selected.iter().step_by(step).map(Val::Json));
        }
    }
    Ok(results)
}

fn eval_wildcard<'a>(input: &[Val<'a>]) -> Vec<Val<'a>> {
    let mut results = Vec::new();
    for value in input {
        match value {
            Val::Json(Value::Object(map)) => results.extend(map.values().map(Val::Json)),
            Val::Json(Value::Array(items)) => results.extend(items.iter().map(Val::Json)),
            Val::Json(Value::String(text)) => results.extend(text.bytes().map(Val::Byte)),
            Val::Str(text) => results.extend(text.bytes().map(Val::Byte)),
            _ => {}
        }
    }
    results
}

/// Lists every value that has children (objects, arrays and, as in Go, non-empty strings),
/// each before its descendants. An explicit stack keeps deep documents off the call stack.
fn eval_recursive<'a>(input: &[Val<'a>]) -> Vec<Val<'a>> {
    let mut results = Vec::new();
    let mut stack: Vec<Val<'a>> = input.iter().rev().copied().collect();
    while let Some(value) = stack.pop() {
        match value {
            Val::Json(Value::Object(map)) if !map.is_empty() => {
                results.push(value);
                let children: Vec<&Value> = map.values().collect();
                stack.extend(children.into_iter().rev().map(Val::Json));
            }
            Val::Json(Value::Array(items)) if !items.is_empty() => {
                results.push(value);
                stack.extend(items.iter().rev().map(Val::Json));
            }
            Val::Json(Value::String(text)) if !text.is_empty() => results.push(value),
            Val::Str(text) if !text.is_empty() => results.push(value),
            _ => {}
        }
    }
    results
}

/// The kinds Go's template comparisons understand; everything else cannot be compared.
#[derive(Clone, Copy)]
enum Scalar<'a> {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'a str),
}

fn scalar(value: Val<'_>) -> Result<Scalar<'_>, String> {
    Ok(match value {
        Val::Json(Value::Bool(b)) => Scalar::Bool(*b),
        Val::Bool(b) => Scalar::Bool(b),
        Val::Json(Value::Number(n)) => match go_number(n) {
            GoNumber::Int(i) => Scalar::Int(i),
            GoNumber::Float(f) => Scalar::Float(f),
        },
        Val::Json(Value::String(s)) => Scalar::Str(s),
        Val::Str(s) => Scalar::Str(s),
        Val::Int(i) => Scalar::Int(i),
        Val::Float(f) => Scalar::Float(f),
        Val::Byte(b) => Scalar::Uint(u64::from(b)),
        _ => return Err("invalid type for comparison".to_string()),
    })
}

/// Applies a filter operator with Go template semantics: integers and floats do not mix, and
/// booleans only support equality. Returns `None` for an unknown operator.
fn compare(op: &str, left: Val<'_>, right: Val<'_>) -> Option<Result<bool, String>> {
    let less_equal = || Ok(go_less(left, right)? || go_equal(left, right)?);
    Some(match op {
        "==" => go_equal(left, right),
        "!=" => go_equal(left, right).map(|equal| !equal),
        "<" => go_less(left, right),
        "<=" => less_equal(),
        ">" => less_equal().map(|le| !le),
        ">=" => go_less(left, right).map(|less| !less),
        _ => return None,
    })
}

fn go_equal(left: Val<'_>, right: Val<'_>) -> Result<bool, String> {
    let (left, right) = (scalar(left)?, scalar(right)?);
    Ok(match (left, right) {
        (Scalar::Bool(a), Scalar::Bool(b)) => a == b,
        (Scalar::Int(a), Scalar::Int(b)) => a == b,
        (Scalar::Uint(a), Scalar::Uint(b)) => a == b,
        (Scalar::Float(a), Scalar::Float(b)) => a == b,
        (Scalar::Str(a), Scalar::Str(b)) => a == b,
        (Scalar::Int(a), Scalar::Uint(b)) => u64::try_from(a).is_ok_and(|a| a == b),
        (Scalar::Uint(a), Scalar::Int(b)) => u64::try_from(b).is_ok_and(|b| a == b),
        _ => return Err("incompatible types for comparison".to_string()),
    })
}

fn go_less(left: Val<'_>, right: Val<'_>) -> Result<bool, String> {
    let (left, right) = (scalar(left)?, scalar(right)?);
    Ok(match (left, right) {
        (Scalar::Bool(_), Scalar::Bool(_)) => {
            return Err("invalid type for comparison".to_string());
        }
        (Scalar::Int(a), Scalar::Int(b)) => a < b,
        (Scalar::Uint(a), Scalar::Uint(b)) => a < b,
        (Scalar::Float(a), Scalar::Float(b)) => a < b,
        (Scalar::Str(a), Scalar::Str(b)) => a < b,
        (Scalar::Int(a), Scalar::Uint(b)) => u64::try_from(a).map_or(true, |a| a < b),
        (Scalar::Uint(a), Scalar::Int(b)) => u64::try_from(b).is_ok_and(|b| a < b),
        _ => return Err("incompatible types for comparison".to_string()),
    })
}

/// How kubectl holds a JSON number: an int64 when it fits, a float64 otherwise.
enum GoNumber {
    Int(i64),
    Float(f64),
}

fn go_number(number: &Number) -> GoNumber {
    match number.as_i64() {
        Some(int) => GoNumber::Int(int),
        None => GoNumber::Float(number.as_f64().unwrap_or(0.0)),
    }
}

/// Prints one result the way client-go does: objects and arrays as compact JSON, everything
/// else with Go's `fmt.Print`.
fn write_text(out: &mut String, value: Val<'_>) {
    match value {
        Val::Json(json @ (Value::Object(_) | Value::Array(_))) => write_json(out, json),
        Val::Json(Value::String(text)) => out.push_str(text),
        Val::Str(text) => out.push_str(text),
        Val::Json(Value::Number(number)) => write_go_number(out, number),
        Val::Json(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        Val::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Val::Json(Value::Null) => out.push_str("<nil>"),
        Val::Nothing => out.push_str("<no value>"),
        Val::Int(int) => out.push_str(&int.to_string()),
        Val::Float(float) => out.push_str(&go_float(float)),
        Val::Byte(byte) => out.push_str(&byte.to_string()),
    }
}

fn write_go_number(out: &mut String, number: &Number) {
    match go_number(number) {
        GoNumber::Int(int) => out.push_str(&int.to_string()),
        GoNumber::Float(float) => out.push_str(&go_float(float)),
    }
}

/// Formats a value like Go's `%v`, which client-go uses when a non-array is filtered.
fn go_value_text(value: Val<'_>) -> String {
    let mut out = String::new();
    match value {
        Val::Json(json) => write_go_value(&mut out, json),
        Val::Nothing => out.push_str("<invalid reflect.Value>"),
        other => write_text(&mut out, other),
    }
    out
}

/// A JSON value as Go's `fmt` prints it with `%v` once kubectl has decoded it: `map[k:v]`,
/// `[a b]`, `<nil>`, integers as integers. What go-templates and custom columns print.
pub(crate) fn go_text(value: &Value) -> String {
    let mut out = String::new();
    write_go_value(&mut out, value);
    out
}

/// A JSON value as Go's `json.Marshal` writes it: compact, keys sorted, HTML characters escaped.
pub(crate) fn go_json(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value);
    out
}

fn write_go_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(number) => write_go_number(out, number),
        Value::String(text) => out.push_str(text),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(' ');
                }
                write_go_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("map[");
            for (index, (key, item)) in sorted_entries(map).into_iter().enumerate() {
                if index > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                write_go_value(out, item);
            }
            out.push(']');
        }
    }
}

fn go_type_name(value: Val<'_>) -> &'static str {
    match value {
        Val::Json(Value::Object(_)) => "map[string]interface {}",
        Val::Json(Value::Array(_)) => "[]interface {}",
        Val::Json(Value::String(_)) | Val::Str(_) => "string",
        Val::Json(Value::Number(number)) => match go_number(number) {
            GoNumber::Int(_) => "int64",
            GoNumber::Float(_) => "float64",
        },
        Val::Json(Value::Bool(_)) | Val::Bool(_) => "bool",
        Val::Json(Value::Null) | Val::Nothing => "<nil>",
        Val::Int(_) => "int",
        Val::Float(_) => "float64",
        Val::Byte(_) => "uint8",
    }
}

/// Go's `json.Marshal` sorts object keys by their bytes, whatever order the map keeps.
fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// Writes compact JSON exactly as Go's `json.Marshal` does for decoded JSON: sorted keys,
/// Go's float format, and HTML-sensitive characters escaped.
fn write_json(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(number) => match go_number(number) {
            GoNumber::Int(int) => out.push_str(&int.to_string()),
            GoNumber::Float(float) => out.push_str(&json_float(float)),
        },
        Value::String(text) => write_json_string(out, text),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (index, (key, item)) in sorted_entries(map).into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_json_string(out, key);
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

fn write_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Formats a float like Go's `%v`: the shortest digits that round-trip, in exponent form when
/// the exponent is below -4 or at least 6 (so 1000000.0 prints as `1e+06`).
fn go_float(float: f64) -> String {
    if float.is_nan() {
        return "NaN".to_string();
    }
    if float.is_infinite() {
        return if float > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if float == 0.0 {
        return if float.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let (digits, point) = shortest_digits(float);
    let exponent = point - 1;
    let body =
        if !(-4..6).contains(&exponent) { exponent_form(&digits, point, true) } else { plain_form(&digits, point) };
    if float < 0.0 { format!("-{body}") } else { body }
}

/// Formats a float like Go's `json.Marshal`: plain decimals between 1e-6 and 1e21, otherwise
/// exponent form with no zero padding on negative exponents.
fn json_float(float: f64) -> String {
    if !float.is_finite() || float == 0.0 {
        return go_float(float);
    }
    let (digits, point) = shortest_digits(float);
    let magnitude = float.abs();
    let body = if !(1e-6..1e21).contains(&magnitude) {
        exponent_form(&digits, point, false)
    } else {
        plain_form(&digits, point)
    };
    if float < 0.0 { format!("-{body}") } else { body }
}

/// Returns the shortest round-trip digits of a finite, non-zero float and the position of the
/// decimal point relative to them (the value is `0.digits × 10^point`). Rust's `{:e}` already
/// produces the same shortest digits as Go's formatter.
fn shortest_digits(float: f64) -> (String, i32) {
    let formatted = format!("{:e}", float.abs());
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    (digits, exponent + 1)
}

fn exponent_form(digits: &str, point: i32, pad_negative: bool) -> String {
    let (first, rest) = digits.split_at(digits.len().min(1));
    let mut out = first.to_string();
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    let exponent = point - 1;
    let sign = if exponent < 0 { '-' } else { '+' };
    if exponent < 0 && !pad_negative {
        let _ = write!(out, "e{sign}{}", exponent.unsigned_abs());
    } else {
        let _ = write!(out, "e{sign}{:02}", exponent.unsigned_abs());
    }
    out
}

fn plain_form(digits: &str, point: i32) -> String {
    let count = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point >= count {
        format!("{digits}{}", "0".repeat((point - count).unsigned_abs() as usize))
    } else {
        let (whole, fraction) = digits.split_at(point.unsigned_abs() as usize);
        format!("{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(template: &str, data: &Value) -> Result<String, String> {
        Template::parse(template)?.execute(data)
    }

    fn run_relaxed(template: &str, data: &Value) -> Result<String, String> {
        Template::parse_relaxed(template)?.execute(data)
    }

    fn run_lenient(template: &str, data: &Value) -> Result<String, String> {
        Template::parse(template)?.allow_missing_keys(true).execute(data)
    }

    fn check(cases: &[(&str, &str)], data: &Value) {
        for (template, expected) in cases {
            assert_eq!(run(template, data).as_deref(), Ok(*expected), "template {template:?}");
        }
    }

    fn check_errors(cases: &[(&str, &str)], data: &Value) {
        for (template, expected) in cases {
            assert_eq!(run(template, data).as_ref().map_err(String::as_str), Err(*expected), "template {template:?}");
        }
    }

    fn sorted_words(text: &str) -> Vec<&str> {
        let mut words: Vec<&str> = text.split_whitespace().collect();
        words.sort_unstable();
        words
    }

    /// The document used by client-go's Kubernetes tests and, without `ready`, by the kubectl
    /// JSONPath documentation page.
    fn nodes() -> Value {
        json!({
            "kind": "List",
            "items": [
                {
                    "kind": "None",
                    "metadata": {
                        "name": "127.0.0.1",
                        "labels": {"kubernetes.io/hostname": "127.0.0.1"}
                    },
                    "status": {
                        "capacity": {"cpu": "4"},
                        "ready": true,
                        "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]
                    }
                },
                {
                    "kind": "None",
                    "metadata": {
                        "name": "127.0.0.2",
                        "labels": {"kubernetes.io/hostname": "127.0.0.2"}
                    },
                    "status": {
                        "capacity": {"cpu": "8"},
                        "ready": false,
                        "addresses": [
                            {"type": "LegacyHostIP", "address": "127.0.0.2"},
                            {"type": "another", "address": "127.0.0.3"}
                        ]
                    }
                }
            ],
            "users": [
                {"name": "myself", "user": {}},
                {"name": "e2e", "user": {"username": "admin", "password": "secret"}}
            ]
        })
    }

    /// client-go's struct-based "store" fixture as JSON. Keys are written in sorted order so
    /// that map iteration order is the same whether or not serde_json preserves order.
    fn store() -> Value {
        json!({
            "Bicycle": [
                {"Color": "red", "IsNew": true, "Price": 19.95},
                {"Color": "green", "IsNew": false, "Price": 20.01}
            ],
            "Book": [
                {"Author": "Nigel Rees", "Category": "reference", "Price": 8.95, "Title": "Sayings of the Centurey"},
                {"Author": "Evelyn Waugh", "Category": "fiction", "Price": 12.99, "Title": "Sword of Honour"},
                {"Author": "Herman Melville", "Category": "fiction", "Price": 8.99, "Title": "Moby Dick"}
            ],
            "Employees": {"dan": "clerk", "jason": "manager"},
            "Labels": {"engieer": 10, "k8s-app": 20, "web/html": 15},
            "Name": "jsonpath"
        })
    }

    fn containers(count: usize) -> Value {
        let list: Vec<Value> =
            (0..count).map(|i| json!({"image": "radial/busyboxplus:curl", "name": format!("fake{i}")})).collect();
        json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": list}})
    }

    #[test]
    fn slices_of_every_type() {
        let data = json!({
            "bools": [true, false, true, false],
            "integers": [1, 2, 3, 4],
            "floats": [1.0, 2.2, 3.3, 4.0],
            "strings": ["one", "two", "three", "four"],
            "interfaces": [true, "one", 1, 1.1],
            "maps": [
                {"name": "one", "value": 1},
                {"name": "two", "value": 2.02},
                {"name": "three", "value": 3.03},
                {"name": "four", "value": 4.04}
            ]
        });
        check(
            &[
                ("{ .bools }", "[true,false,true,false]"),
                ("{ .bools[0] }", "true"),
                ("{ .bools[-1] }", "false"),
                ("{ .bools[0:2] }", "true false"),
                ("{ .bools[:2] }", "true false"),
                ("{ .bools[:4:2] }", "true true"),
                ("{ .integers }", "[1,2,3,4]"),
                ("{ .integers[0] }", "1"),
                ("{ .integers[-2] }", "3"),
                ("{ .integers[0:2] }", "1 2"),
                ("{ .integers[:4:2] }", "1 3"),
                ("{ .floats }", "[1,2.2,3.3,4]"),
                ("{ .floats[0] }", "1"),
                ("{ .floats[-2] }", "3.3"),
                ("{ .floats[:2] }", "1 2.2"),
                ("{ .floats[:4:2] }", "1 3.3"),
                ("{ .strings }", r#"["one","two","three","four"]"#),
                ("{ .strings[-2] }", "three"),
                ("{ .strings[:4:2] }", "one three"),
                ("{ .interfaces }", r#"[true,"one",1,1.1]"#),
                ("{ .interfaces[-2] }", "1"),
                ("{ .interfaces[0:2] }", "true one"),
                ("{ .interfaces[:4:2] }", "true 1"),
                (
                    "{ .maps }",
                    r#"[{"name":"one","value":1},{"name":"two","value":2.02},{"name":"three","value":3.03},{"name":"four","value":4.04}]"#,
                ),
                ("{ .maps[0] }", r#"{"name":"one","value":1}"#),
                ("{ .maps[-2] }", r#"{"name":"three","value":3.03}"#),
                ("{ .maps[:2] }", r#"{"name":"one","value":1} {"name":"two","value":2.02}"#),
                ("{ .maps[::2] }", r#"{"name":"one","value":1} {"name":"three","value":3.03}"#),
                ("{ .maps[1::2] }", r#"{"name":"two","value":2.02} {"name":"four","value":4.04}"#),
            ],
            &data,
        );
    }

    #[test]
    fn store_examples() {
        check(&[("{..}", "[1,2,3]")], &json!([1, 2, 3]));
        check(&[("{[?(@<5)]}", "2 3")], &json!([2, 6, 3, 7]));
        check(&[("{[1,3,4]}", "1 3 4")], &json!([0, 1, 2, 3, 4]));
        check(&[("{[0:2]}", "Monday Tudesday")], &json!(["Monday", "Tudesday"]));
        check(&[(r#"{"{"}"#, "{")], &Value::Null);
        let bicycle_red = r#"{"Color":"red","IsNew":true,"Price":19.95}"#;
        let bicycle_green = r#"{"Color":"green","IsNew":false,"Price":20.01}"#;
        let moby_dick = r#"{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}"#;
        check(
            &[
                ("hello {.Name}", "hello jsonpath"),
                ("{$.Labels.web/html}", "15"),
                ("{$.Employees.jason}", "manager"),
                ("{$.Employees.dan}", "clerk"),
                ("{.Labels.k8s-app}", "20"),
                ("{.Bicycle[*].Color}", "red green"),
                ("{.Book[*].Author}", "Nigel Rees Evelyn Waugh Herman Melville"),
                (r#"{range .Bicycle[*]}{ "{" }{ @.* }{ "} " }{end}"#, "{red true 19.95} {green false 20.01} "),
                ("{..Price}", "19.95 20.01 8.95 12.99 8.99"),
                ("{...Price}", "19.95 20.01 8.95 12.99 8.99"),
                ("{.Bicycle}", &format!("[{bicycle_red},{bicycle_green}]")),
                (r#"{range .Bicycle[*]}{ @ }{ " " }{end}"#, &format!("{bicycle_red} {bicycle_green} ")),
                ("{.Book[-1:]}", moby_dick),
                ("{..Book[2]}", moby_dick),
                ("{.Bicycle[?(@.IsNew==true)]}", bicycle_red),
            ],
            &store(),
        );
        assert_eq!(Template::parse("{............Price}").err().as_deref(), Some("invalid multiple recursive descent"));
    }

    #[test]
    fn store_errors() {
        check_errors(
            &[
                ("{hello}", "unrecognized identifier hello"),
                ("{.hello}", "hello is not found"),
                ("{.Labels[0]}", "map[string]interface {} is not array or slice"),
                ("{.Book[?(@.Price<>10)]}", "unrecognized filter operator <>"),
                ("{range .Labels.*}{@}{end}{end}", "not in range, nothing to end"),
            ],
            &store(),
        );
    }

    #[test]
    fn missing_keys_are_errors_unless_allowed() {
        let data = store();
        assert_eq!(run("{.hello}", &data), Err("hello is not found".to_string()));
        assert_eq!(run_lenient("{.hello}", &data).as_deref(), Ok(""));
        assert_eq!(run_lenient("before-{.hello}after", &data).as_deref(), Ok("before-after"));
        assert_eq!(run_lenient("{.Name} {.Book[*].Nope} {.Labels.k8s-app}", &data).as_deref(), Ok("jsonpath  20"));
        // A missing key only errors when nothing at all was found.
        assert_eq!(run("{.items[*].a}", &json!({"items": [{"a": 1}, {}]})).as_deref(), Ok("1"));
    }

    #[test]
    fn points() {
        let data = json!([
            {"id": "i1", "x": 4, "y": -5},
            {"id": "i2", "x": -2, "y": -5, "z": 1},
            {"id": "i3", "x": 8, "y": 3},
            {"id": "i4", "x": -6, "y": -1},
            {"id": "i5", "x": 0, "y": 2, "z": 1},
            {"id": "i6", "x": 1, "y": 4}
        ]);
        check(
            &[
                ("{[?(@.z)].id}", "i2 i5"),
                ("{[0]['id']}", "i1"),
                ("{[?(@.x>0)].id}", "i1 i3 i6"),
                ("{[?(@.x>=0)].id}", "i1 i3 i5 i6"),
                ("{[?(@.x<0)].id}", "i2 i4"),
                ("{[?(@.x<=-2)].id}", "i2 i4"),
                ("{[?(@.y==-5)].id}", "i1 i2"),
                ("{[?(@.y!=-5)].id}", "i3 i4 i5 i6"),
                ("{[?(@.id=='i3')].x}", "8"),
                ("{[?(@.id>\"i4\")].id}", "i5 i6"),
                ("{[?(@.x==@.y)].id}", ""),
                ("{[?(@.x)].id}", "i1 i2 i3 i4 i5 i6"),
            ],
            &data,
        );
        // Without allowing missing keys, a comparison on an absent field is an error.
        assert_eq!(run("{[?(@.z==1)].id}", &data), Err("z is not found".to_string()));
        assert_eq!(run_lenient("{[?(@.z==1)].id}", &data).as_deref(), Ok("i2 i5"));
    }

    #[test]
    fn kubernetes_examples() {
        let data = nodes();
        check(
            &[
                ("{range .items[*]}{.metadata.name}, {end}{.kind}", "127.0.0.1, 127.0.0.2, List"),
                (r#"{range .items[*]}{.metadata.name}{"\t"}{end}"#, "127.0.0.1\t127.0.0.2\t"),
                ("{.items[*].status.addresses[*].address}", "127.0.0.1 127.0.0.2 127.0.0.3"),
                (
                    "{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}",
                    "127.0.0.1, 127.0.0.2, 127.0.0.3, ",
                ),
                ("{.items[*].metadata.name}", "127.0.0.1 127.0.0.2"),
                ("{.items[*]['metadata.name', 'status.capacity']}", r#"127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}"#),
                (
                    "{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}",
                    r#"[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] "#,
                ),
                (r#"{.users[?(@.name=="e2e")].user.password}"#, "secret"),
                (r"{.items[0].metadata.labels.kubernetes\.io/hostname}", "127.0.0.1"),
                (r#"{.items[?(@.metadata.labels.kubernetes\.io/hostname=="127.0.0.1")].kind}"#, "None"),
                ("{.items[?(@..ready==true)].metadata.name}", "127.0.0.1"),
            ],
            &data,
        );
        let names = run("{..name}", &data).unwrap();
        assert_eq!(sorted_words(&names), ["127.0.0.1", "127.0.0.2", "e2e", "myself"]);
    }

    #[test]
    fn documentation_examples() {
        let data = nodes();
        check(
            &[
                ("kind is {.kind}", "kind is List"),
                ("{.kind}", "List"),
                ("{['kind']}", "List"),
                ("{.users[0].name}", "myself"),
                ("{.items[0].metadata.name}", "127.0.0.1"),
                (r#"{range .items[*]}{.metadata.name}{'\t'}{end}"#, "127.0.0.1\t127.0.0.2\t"),
            ],
            &data,
        );
        assert_eq!(run("{@}", &data), Ok(compact_go_json(&data)));
        assert_eq!(run("{$}", &data), Ok(compact_go_json(&data)));
        assert_eq!(run(r"{['name\.type']}", &json!({"name.type": "List"})).as_deref(), Ok("List"));
        // The "quote interpreted string" and start-time examples, where startTime is absent
        // and kubectl's printer allows missing keys.
        assert_eq!(
            run_lenient(r#"{range .items[*]}{.metadata.name}{"\t"}{.status.startTime}{"\n"}{end}"#, &data).as_deref(),
            Ok("127.0.0.1\t\n127.0.0.2\t\n")
        );
    }

    fn compact_go_json(value: &Value) -> String {
        let mut out = String::new();
        write_json(&mut out, value);
        out
    }

    #[test]
    fn empty_ranges() {
        let data = json!({"items": []});
        for template in [
            "{range .items[*]}{.metadata.name}{end}",
            r#"{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}"#,
        ] {
            assert_eq!(run_lenient(template, &data).as_deref(), Ok(""), "{template}");
        }
        assert_eq!(run_lenient("a{range .items[*]}x{end}b", &data).as_deref(), Ok("ab"));
        // The body still runs once against nothing, so a strict template reports the field.
        assert_eq!(run("{range .items[*]}{.metadata.name}{end}", &data), Err("metadata is not found".to_string()));
    }

    #[test]
    fn nested_ranges() {
        let data = json!({
            "items": [
                {
                    "metadata": {"name": "pod1"},
                    "spec": {"containers": [
                        {"name": "foo", "another": [{"name": "value1"}, {"name": "value2"}]},
                        {"name": "bar", "another": [{"name": "value1"}, {"name": "value2"}]}
                    ]}
                },
                {
                    "metadata": {"name": "pod2"},
                    "spec": {"containers": [
                        {"name": "baz", "another": [{"name": "value1"}, {"name": "value2"}]}
                    ]}
                }
            ]
        });
        check(
            &[
                (
                    r#"{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}"#,
                    "pod1:foo,bar,+pod2:baz,+",
                ),
                (
                    r##"{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}"##,
                    "pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#",
                ),
                (
                    r#"{range .items[*]}{.metadata.name}{"\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\n"}{end}"#,
                    "pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n",
                ),
            ],
            &data,
        );
    }

    #[test]
    fn filters_tolerate_partially_missing_fields() {
        let data = json!({
            "kind": "List",
            "items": [
                {"kind": "Pod", "metadata": {"name": "pod1", "annotations": {"color": "blue"}}},
                {"kind": "Pod", "metadata": {"name": "pod2"}},
                {"kind": "Pod", "metadata": {"name": "pod3", "annotations": {"color": "green"}}},
                {"kind": "Pod", "metadata": {"name": "pod4", "annotations": {"color": "blue"}}}
            ]
        });
        let template = r#"{.items[?(@.metadata.annotations.color=="blue")].metadata.name}"#;
        assert_eq!(run_lenient(template, &data).as_deref(), Ok("pod1 pod4"));
        assert_eq!(run(template, &data), Err("annotations is not found".to_string()));
    }

    #[test]
    fn running_pods() {
        let data = json!({
            "kind": "List",
            "items": [
                {"kind": "Pod", "metadata": {"name": "pod1"}, "status": {"phase": "Running"}},
                {"kind": "Pod", "metadata": {"name": "pod2"}, "status": {"phase": "Running"}},
                {"kind": "Pod", "metadata": {"name": "pod3"}, "status": {"phase": "Running"}},
                {"resourceVersion": ""}
            ]
        });
        let template = r#"{range .items[?(.status.phase=="Running")]}{.metadata.name}{" is Running\n"}{end}"#;
        assert_eq!(run_lenient(template, &data).as_deref(), Ok("pod1 is Running\npod2 is Running\npod3 is Running\n"));
        assert_eq!(run_lenient(r#"{.items[?(@.status.phase!="Running")]}"#, &data).as_deref(), Ok(""));
    }

    #[test]
    fn negative_indices() {
        let data = containers(4);
        check(
            &[
                ("{.spec.containers[0].name}", "fake0"),
                ("{.spec.containers[0:0].name}", ""),
                ("{.spec.containers[0:-1].name}", "fake0 fake1 fake2"),
                ("{.spec.containers[-1].name}", "fake3"),
                ("{.spec.containers[-1:].name}", "fake3"),
                ("{.spec.containers[-2].name}", "fake2"),
                ("{.spec.containers[-2:].name}", "fake2 fake3"),
                ("{.spec.containers[-3].name}", "fake1"),
                ("{.spec.containers[-4].name}", "fake0"),
                ("{.spec.containers[-4:].name}", "fake0 fake1 fake2 fake3"),
                ("{.spec.containers[5:5].name}", ""),
                ("{.spec.containers[-5:-5].name}", ""),
            ],
            &data,
        );
        check_errors(
            &[
                ("{.spec.containers[-1:0].name}", "starting index 3 is greater than ending index 0"),
                ("{.spec.containers[-5].name}", "array index out of bounds: index -1, length 4"),
                ("{.spec.containers[3:1].name}", "starting index 3 is greater than ending index 1"),
                ("{.spec.containers[-1:-2].name}", "starting index 3 is greater than ending index 2"),
            ],
            &data,
        );
    }

    #[test]
    fn steps() {
        let data = containers(6);
        check(
            &[
                ("{.spec.containers[0:].name}", "fake0 fake1 fake2 fake3 fake4 fake5"),
                ("{.spec.containers[0:6:].name}", "fake0 fake1 fake2 fake3 fake4 fake5"),
                ("{.spec.containers[0:6:1].name}", "fake0 fake1 fake2 fake3 fake4 fake5"),
                ("{.spec.containers[1:4:2].name}", "fake1 fake3"),
                ("{.spec.containers[1:4:3].name}", "fake1"),
                ("{.spec.containers[1:4:4].name}", "fake1"),
                ("{.spec.containers[0:6:2].name}", "fake0 fake2 fake4"),
                ("{.spec.containers[0:6:3].name}", "fake0 fake3"),
                ("{.spec.containers[0:6:5].name}", "fake0 fake5"),
                ("{.spec.containers[0:6:6].name}", "fake0"),
                ("{.spec.containers[*].name}", "fake0 fake1 fake2 fake3 fake4 fake5"),
                ("{.spec.containers[].name}", "fake0"),
            ],
            &data,
        );
        check_errors(
            &[
                ("{.spec.containers[0:6:0].name}", "step must be > 0"),
                ("{.spec.containers[0:6:-1].name}", "step must be > 0"),
            ],
            &data,
        );
    }

    #[test]
    fn out_of_bounds_and_type_errors() {
        let data = json!({"a": [1, 2, 3], "s": "text", "n": 5, "f": 1.5, "m": {"k": "v"}, "z": null});
        check_errors(
            &[
                ("{.a[5]}", "array index out of bounds: index 5, length 3"),
                ("{.a[1:5]}", "array index out of bounds: index 4, length 3"),
                ("{.a[-4]}", "array index out of bounds: index -1, length 3"),
                ("{.s[0]}", "string is not array or slice"),
                ("{.n[0]}", "int64 is not array or slice"),
                ("{.f[0]}", "float64 is not array or slice"),
                ("{end}", "not in range, nothing to end"),
                ("{.s[?(@.x)]}", "text is not array or slice and cannot be filtered"),
                ("{.m[?(@.x)]}", "map[k:v] is not array or slice and cannot be filtered"),
                ("{.z[?(@.x)]}", "<nil> is not array or slice and cannot be filtered"),
                ("{.a[?(@==true)]}", "incompatible types for comparison"),
                ("{.a[?(@==1.0)]}", "incompatible types for comparison"),
                (
                    "{[?(@.x)]}",
                    "map[a:[1 2 3] f:1.5 m:map[k:v] n:5 s:text z:<nil>] is not array or slice and cannot be filtered",
                ),
            ],
            &data,
        );
        // Nulls are skipped by subscripts, like Go's nil values.
        assert_eq!(run("{.z[0]}", &data).as_deref(), Ok(""));
        assert_eq!(run("{[?(@<true)]}", &json!([false])), Err("invalid type for comparison".to_string()));
        assert_eq!(
            run("{[?(@.a==@.b)]}", &json!([{"a": [1], "b": [1]}])),
            Err("invalid type for comparison".to_string())
        );
        assert_eq!(run("{[?(@.a==1)]}", &json!([{"a": [1, 2]}])), Err("invalid type for comparison".to_string()));
        assert_eq!(
            run("{[?(@.a[*]==1)]}", &json!([{"a": [1, 2]}])),
            Err("can only compare one element at a time".to_string())
        );
    }

    #[test]
    fn printing_follows_go() {
        let data = json!({
            "int": 42,
            "negative": -7,
            "big": 9007199254740993_i64,
            "huge": 18446744073709551615_u64,
            "float": 2.5,
            "whole": 3.0,
            "million": 1000000.0,
            "tiny": 0.00001,
            "small": 0.0001,
            "json": [1000000.0, 1e21, 1e-7, 0.000001, 123456789.0, -0.5],
            "t": true,
            "f": false,
            "null": null,
            "html": {"b": "<a href=\"x\">&</a>", "a": "tab\there\u{2028}\u{1}\u{8}"},
            "nested": {"z": [], "y": {}, "x": [null, {"b": 1, "a": 2}]},
            "text": "plain \"quoted\" text",
            "empty": ""
        });
        check(
            &[
                ("{.int}", "42"),
                ("{.negative}", "-7"),
                ("{.big}", "9007199254740993"),
                ("{.huge}", "1.8446744073709552e+19"),
                ("{.float}", "2.5"),
                ("{.whole}", "3"),
                ("{.million}", "1e+06"),
                ("{.tiny}", "1e-05"),
                ("{.small}", "0.0001"),
                ("{.json}", "[1000000,1e+21,1e-7,0.000001,123456789,-0.5]"),
                ("{.json[4]}", "1.23456789e+08"),
                ("{.t} {.f}", "true false"),
                ("{.null}", "<nil>"),
                ("{.html}", r#"{"a":"tab\there\u2028\u0001\b","b":"\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e"}"#),
                ("{.nested}", r#"{"x":[null,{"a":2,"b":1}],"y":{},"z":[]}"#),
                ("{.text}", "plain \"quoted\" text"),
                ("[{.empty}]", "[]"),
                ("{5} {-3} {2.50} {1.} {true} {\"x\"}", "5 -3 2.5 1 true x"),
                ("{.int}{.int}", "4242"),
            ],
            &data,
        );
        // A null range item becomes Go's invalid value, which prints differently from a null
        // found inside a container.
        assert_eq!(run("{range .a[*]}{@},{end}", &json!({"a": [1, null, "x"]})).as_deref(), Ok("1,<no value>,x,"));
        assert_eq!(run("{.a[*]}", &json!({"a": [1, null]})).as_deref(), Ok("1 <nil>"));
        assert_eq!(run("{@}", &Value::Null).as_deref(), Ok("<no value>"));
        assert_eq!(run("{@}", &json!("s")).as_deref(), Ok("s"));
    }

    #[test]
    fn quoting_and_escapes() {
        let data = json!({"a.b": {"c": 1}, "a": {"b": {"c": 2}}, "kubernetes.io/name": "x"});
        check(
            &[
                (r#"{"\n"}"#, "\n"),
                (r#"{"\t"}"#, "\t"),
                (r#"{'\t'}"#, "\t"),
                (r#"{"a\"b"}"#, "a\"b"),
                (r#"{'it\'s'}"#, "it's"),
                (r#"{"it's"}"#, "it's"),
                (r#"{"\x41\u00e9\U0001F600\101\\x"}"#, "Aé😀A\\x"),
                (r#"{"}"}"#, "}"),
                // Go would print the raw byte; a Rust string holds U+FFFD instead.
                (r#"{"\xff\377"}"#, "\u{fffd}\u{fffd}"),
                (r#"{""}"#, ""),
                (r"{.a\.b.c}", "1"),
                ("{.a.b.c}", "2"),
                ("{['a.b']}", r#"{"c":2}"#),
                (r"{['a\.b'].c}", "1"),
                (r"{.kubernetes\.io/name}", "x"),
                ("{['a', 'a.b']}", r#"{"b":{"c":2}} {"c":2}"#),
                (r#"{["a"]["b"].c}"#, "2"),
                (r#"{["a.b"]}"#, r#"{"c":2}"#),
                (r#"{["a\.b", 'a']}"#, r#"{"c":1} {"b":{"c":2}}"#),
            ],
            &data,
        );
        // client-go treats a quote right after any backslash as escaped, even an escaped one.
        assert_eq!(Template::parse(r#"{"a\\"}"#).err().as_deref(), Some("unterminated quoted string"));
        check(
            &[
                (r#"{[?(@.v == "()")].v}"#, "()"),
                (r#"{[?(@.v == "(\"\")")].v}"#, r#"("")"#),
                (r#"{[?(@.v == "())(")].v}"#, "())("),
                (r#"{[?(@.v == 'Linux')].v}"#, "Linux"),
                (r#"{[?(@.v == "{[()]}")].v}"#, "{[()]}"),
                (r#"{[?(@.v == "''")].v}"#, "''"),
                (r#"{[?(@.v == '""')].v}"#, r#""""#),
                (r#"{[?(@.v == '\\\'')].v}"#, r"\'"),
            ],
            &json!([
                {"v": "()"}, {"v": "(\"\")"}, {"v": "())("}, {"v": "Linux"},
                {"v": "{[()]}"}, {"v": "''"}, {"v": "\"\""}, {"v": "\\'"}
            ]),
        );
    }

    #[test]
    fn wildcards_unions_and_recursion() {
        let data = json!({"a": {"x": 1, "y": "ab"}, "b": [10, 20, 30], "c": ""});
        check(
            &[
                ("{.a.*}", "1 ab"),
                ("{.b.*}", "10 20 30"),
                ("{.b[*]}", "10 20 30"),
                // Go iterates over a string's bytes.
                ("{.a.y.*}", "97 98"),
                ("{.b[0,2]}", "10 30"),
                ("{.b[0, -1]}", "10 30"),
                ("{['a','b']}", r#"{"x":1,"y":"ab"} [10,20,30]"#),
                ("{.b[?(@>15)]}", "20 30"),
                ("{..x}", "1"),
                (r#"{..y}"#, "ab"),
                ("{..}", r#"{"a":{"x":1,"y":"ab"},"b":[10,20,30],"c":""} {"x":1,"y":"ab"} ab [10,20,30]"#),
            ],
            &data,
        );
        assert_eq!(run("{.a.y[?(@)]}", &data), Err("ab is not array or slice and cannot be filtered".to_string()));
    }

    #[test]
    fn range_quirks() {
        let data = json!({"items": [{"n": "a"}, {"n": "b"}], "n": "root"});
        check(
            &[
                ("{range .items[*]}{.n}{end}", "ab"),
                ("{range .items[*]}{.n} {end}!", "a b !"),
                ("{range .items[*]}{range @}<{.n}>{end}{end}", "<a><b>"),
                ("{range .items[*]}{$.n}{end}", "ab"),
                ("{.items[*] range}{.n}{end}", "ab"),
            ],
            &data,
        );
        // Without `end`, the body runs per item and then once more against the outer object.
        assert_eq!(run("{range .items[*]}{.n}", &data).as_deref(), Ok("abroot"));
        assert_eq!(run("{range .items[*]}{end}{end}", &data), Err("not in range, nothing to end".to_string()));
        assert_eq!(run("{range .missing[*]}{.n}{end}", &data), Err("missing is not found".to_string()));
        assert_eq!(run("{range .items[*]}{.missing}{end}", &data), Err("missing is not found".to_string()));
        assert_eq!(run_lenient("{range .items[*]}{.missing}{end}done", &data).as_deref(), Ok("done"));
    }

    #[test]
    fn relaxed_templates_without_braces() {
        let data = json!({"metadata": {"name": "pod", "labels": {"app": "web"}}, "items": [1, 2]});
        for template in [
            "{.metadata.name}",
            ".metadata.name",
            "metadata.name",
            "$.metadata.name",
            "@.metadata.name",
            "{$.metadata.name}",
        ] {
            assert_eq!(run_relaxed(template, &data).as_deref(), Ok("pod"), "{template}");
        }
        assert_eq!(run_relaxed("[0]", &json!(["first"])).as_deref(), Ok("first"));
        assert_eq!(run_relaxed("..app", &data).as_deref(), Ok("web"));
        assert_eq!(run_relaxed(".items[*]", &data).as_deref(), Ok("1 2"));
        assert_eq!(run_relaxed("", &data).as_deref(), Ok(""));
        assert_eq!(run_relaxed("name: {.metadata.name}", &data).as_deref(), Ok("name: pod"));
    }
    /// `kubectl get -o jsonpath=.metadata.name` prints the text as it is: only custom columns
    /// and `--sort-by` relax a brace-free template into a path.
    #[test]
    fn strict_templates_print_brace_free_text_literally() {
        let data = json!({"metadata": {"name": "pod"}});
        assert_eq!(run(".metadata.name", &data).as_deref(), Ok(".metadata.name"));
        assert_eq!(run("{.metadata.name}", &data).as_deref(), Ok("pod"));
    }

    #[test]
    fn parse_errors_use_client_go_wording() {
        let cases = [
            ("{.hello", "unclosed action"),
            ("{.hello\n}", "unclosed action"),
            ("{", "unclosed action"),
            ("{*}", "unrecognized character in action: U+002A '*'"),
            ("{\t}", "unrecognized character in action: U+0009"),
            ("{{}}", "unrecognized character in action: U+007B '{'"),
            (r"{\\\}", r"unrecognized character in action: U+005C '\'"),
            ("{+12.3.0}", "cannot parse number +12.3.0"),
            ("{-}", "cannot parse number -"),
            ("{[1}", "unterminated array"),
            ("{[?(.price]}", "unterminated filter"),
            ("{[?(@.a)}", "unclosed array expect ]"),
            ("{........}", "invalid multiple recursive descent"),
            ("{\"abc}", "unterminated quoted string"),
            ("{\"\\q\"}", "unquote string \"\\q\" error invalid syntax"),
            ("{\"\\'\"}", "unquote string \"\\'\" error invalid syntax"),
            ("{[a]}", "invalid array index a"),
            ("{[1:2:3:4]}", "invalid array index 1:2:3:4"),
            ("{[-]}", "array index - is not a number"),
            ("{[99999999999999999999]}", "array index 99999999999999999999 is not a number"),
            ("{[?(@.a==)]}", "unrecognized character in action: U+003D '='"),
            ("{[?(@.a=~'x')]}", "unrecognized character in action: U+007E '~'"),
        ];
        for (template, expected) in cases {
            assert_eq!(Template::parse(template).err().as_deref(), Some(expected), "template {template:?}");
        }
    }

    /// Generates templates from fragments of the syntax with a fixed-seed generator and checks
    /// that parsing and executing them never panics, whatever they return.
    #[test]
    fn arbitrary_templates_never_panic() {
        let data = json!({
            "items": [
                {"metadata": {"name": "a", "labels": {"x.y": "1"}}, "n": 1, "s": "str", "z": null},
                {"metadata": {"name": "b"}, "n": 2.5, "list": [1, 2, 3]},
                null
            ],
            "kind": "List",
            "n": -3
        });
        let fragments = [
            "{",
            "}",
            ".",
            "..",
            "[",
            "]",
            "[*]",
            "[?(",
            ")]",
            ")",
            "(",
            "@",
            "$",
            "*",
            ":",
            ",",
            "'",
            "\"",
            "\\",
            "-",
            "+",
            "0",
            "1",
            "-1",
            "9999999999999999999",
            "a",
            "items",
            "metadata",
            "name",
            "n",
            "z",
            "s",
            "list",
            "range",
            "end",
            "true",
            " ",
            "\t",
            "\n",
            "==",
            "!=",
            "<",
            ">=",
            "=",
            "!",
            "~",
            "é",
            "\u{2028}",
            "\\.",
            "[0]",
            "[-1:]",
            "[::2]",
            "['name']",
            "['a','b']",
            "[1,2]",
            "{.items[*]}",
            "{range .items[*]}",
            "{end}",
            "\"\\n\"",
            "'\\x4",
            "\\u12",
            "[?(@.n>1)]",
            "[?(@.z)]",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let count = 1 + (next() % 12) as usize;
            let template: String = (0..count).map(|_| fragments[(next() % fragments.len() as u64) as usize]).collect();
            if let Ok(parsed) = Template::parse(&template) {
                let _ = parsed.execute(&data);
                let _ = parsed.allow_missing_keys(true).execute(&data);
            }
        }
        // Every short string over a small alphabet, to reach corners the fragments miss.
        let alphabet: Vec<char> = "{}.[]?()@$*:,'\"\\-1a= \n".chars().collect();
        let mut indices = [0usize; 4];
        'outer: loop {
            let template: String = indices.iter().map(|&i| alphabet[i]).collect();
            for len in 1..=template.len() {
                if let Ok(parsed) = Template::parse(&template[..len]) {
                    let _ = parsed.execute(&data);
                }
            }
            for slot in indices.iter_mut() {
                *slot += 1;
                if *slot < alphabet.len() {
                    continue 'outer;
                }
                *slot = 0;
            }
            break;
        }
    }

    #[test]
    fn malformed_templates_are_errors() {
        let malformed = [
            "{",
            "{{",
            "{.",
            "{.a",
            "{.a\n}",
            "{.a\r}",
            "{[",
            "{[1",
            "{[1}",
            "{[1:2",
            "{[?(",
            "{[?(@.a",
            "{[?(@.a)",
            "{[?(@.a)}",
            "{[?(@.a==\"x)]}",
            "{\"",
            "{'",
            "{\"abc}",
            "{'abc\n'}",
            "{*}",
            "{=}",
            "{!}",
            "{<}",
            "{(}",
            "{)}",
            "{?}",
            "{:}",
            "{,}",
            "{~}",
            "{\\}",
            "{..[?(}",
            "{....}",
            "{.a....b}",
            "{+}",
            "{-}",
            "{+.}",
            "{1.2.3}",
            "{[a]}",
            "{[1:2:3:4]}",
            "{[--1]}",
            "{[1:-]}",
            "{['a]}",
            "{['a'b']}",
            "{[\"a']}",
            "{['a,'b']}",
            "{[?(@.a==)]}",
            "{[?(==1)]}",
            "{[?(@.a<>)]}",
            "{\"\\z\"}",
            "{'\\\"'}",
            "{\"\\x4\"}",
            "{\"\\u12\"}",
            "{\"\\400\"}",
            "{\"\\uD800\"}",
            "{.a}{",
            "x{.a}{.b",
            "{\t.a}",
            "{.a\t}",
            "{[?(@.a)][}",
            "{['a', [}",
            "{[?(@.a=='x')]",
        ];
        for template in malformed {
            assert!(Template::parse(template).is_err(), "expected a parse error for {template:?}");
        }
        // Some templates parse and only fail when executed, as in client-go.
        let data = json!({"a": {"b": 1}});
        for template in ["{foo}", "{.a[?(@.x)]}", "{end}", "{.a.b[0]}", "{.a[?(@.b<>1)]}"] {
            assert!(run(template, &data).is_err(), "{template:?}");
        }
    }

    #[test]
    fn deep_nesting_is_rejected_without_overflowing() {
        let data = json!({"a": [1]});
        let ranges = "{range @}".repeat(10_000) + &"{end}".repeat(10_000);
        assert_eq!(run(&ranges, &data), Err("range blocks are nested too deeply".to_string()));
        let unions = "{".to_string() + &"[1,".repeat(5_000) + &"]".repeat(5_000) + "}";
        assert!(Template::parse(&unions).is_err());
        let spaces = "{".to_string() + &" ".repeat(100_000) + ".a}";
        assert_eq!(run(&spaces, &data).as_deref(), Ok("[1]"));
        let long_path = "{".to_string() + &".a".repeat(50_000) + "}";
        assert_eq!(run_lenient(&long_path, &data).as_deref(), Ok(""));
        let mut deep = json!(1);
        for _ in 0..100 {
            deep = json!({"k": deep});
        }
        let found = run("{..k}", &deep).unwrap();
        assert_eq!(found.split(' ').count(), 100);
        assert!(found.ends_with(r#" {"k":1} 1"#));
    }

    #[test]
    fn float_formatting_matches_go() {
        let cases = [
            (1.0, "1", "1"),
            (0.1, "0.1", "0.1"),
            (123456.0, "123456", "123456"),
            (1234567.0, "1.234567e+06", "1234567"),
            (1e20, "1e+20", "100000000000000000000"),
            (1e21, "1e+21", "1e+21"),
            (1.5e300, "1.5e+300", "1.5e+300"),
            (0.0001, "0.0001", "0.0001"),
            (0.00001234, "1.234e-05", "0.00001234"),
            (1e-7, "1e-07", "1e-7"),
            (5e-324, "5e-324", "5e-324"),
            (-2.25, "-2.25", "-2.25"),
            (-0.0, "-0", "-0"),
        ];
        for (value, text, json) in cases {
            assert_eq!(go_float(value), text, "%v of {value:e}");
            assert_eq!(json_float(value), json, "json of {value:e}");
        }
    }
}
