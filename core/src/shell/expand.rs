//! Word expansion, in POSIX's order: parameters, command substitution and arithmetic, then
//! field splitting of what unquoted expansions produced, then quote removal (quotes were taken
//! off while parsing). There is no pathname expansion: `*` stays `*`.

use super::vm::Process;
use super::{Host, Param, Part, Word};

pub(super) struct Expander<'a> {
    pub p: &'a mut Process,
    pub host: &'a mut dyn Host,
}

/// A piece of an expanded word: its text, and whether field splitting may cut it.
struct Piece {
    text: String,
    split: bool,
}

impl Expander<'_> {
    /// A word expanded into fields (what becomes a command's arguments).
    pub fn fields(&mut self, w: &Word) -> Vec<String> {
        let mut pieces = Vec::new();
        let quoted = self.pieces(&w.parts, false, &mut pieces);
        split(pieces, quoted)
    }

    /// A word expanded to one string, without splitting (assignments, redirection targets).
    pub fn string(&mut self, w: &Word) -> String {
        let mut pieces = Vec::new();
        self.pieces(&w.parts, true, &mut pieces);
        pieces.into_iter().map(|p| p.text).collect()
    }

    /// Expands parts into pieces; returns whether any part was quoted (so an empty result is
    /// still one empty field, as `""` is).
    fn pieces(&mut self, parts: &[Part], in_quotes: bool, out: &mut Vec<Piece>) -> bool {
        let mut quoted = false;
        for part in parts {
            match part {
                Part::Lit(t) => out.push(Piece { text: self.tilde(t, out.is_empty()), split: false }),
                Part::Quoted(t) => {
                    quoted = true;
                    out.push(Piece { text: t.clone(), split: false });
                }
                Part::Double(inner) => {
                    quoted = true;
                    let mut sub = Vec::new();
                    self.pieces(inner, true, &mut sub);
                    out.push(Piece { text: sub.into_iter().map(|p| p.text).collect(), split: false });
                }
                Part::Param(param) => {
                    let v = self.param(param);
                    out.push(Piece { text: v, split: !in_quotes });
                }
                Part::Command(script) => {
                    let (r, _) = self.p.run_nested(self.host, script, None);
                    self.p.stderr.push_str(&r.stderr);
                    self.p.env.status = r.code;
                    out.push(Piece { text: r.stdout.trim_end_matches('\n').to_string(), split: !in_quotes });
                }
                Part::Arith(expr) => {
                    let text = self.arith_text(expr);
                    let v = match super::utils::arith(&text, &self.p.env) {
                        Ok(n) => n.to_string(),
                        Err(e) => {
                            self.p.stderr.push_str(&format!("sh: arithmetic syntax error: {e}\n"));
                            String::new()
                        }
                    };
                    out.push(Piece { text: v, split: !in_quotes });
                }
            }
        }
        quoted
    }

    /// `~` at a word's start is $HOME.
    fn tilde(&self, t: &str, first: bool) -> String {
        if first && (t == "~" || t.starts_with("~/")) {
            let home = self.p.env.get("HOME").unwrap_or("/root").to_string();
            return format!("{home}{}", &t[1..]);
        }
        t.to_string()
    }

    /// The `$` expansions inside `$((…))`, before it is evaluated.
    fn arith_text(&mut self, expr: &str) -> String {
        match super::parse::parse(&format!("x=\"{}\"", expr.replace('"', "\\\""))) {
            Ok(script) => {
                let Some(item) = script.items.first() else { return expr.to_string() };
                match item.first.commands.first() {
                    Some(super::Command::Simple(s)) => match s.assignments.first() {
                        Some((_, w)) => self.string(w),
                        None => expr.to_string(),
                    },
                    _ => expr.to_string(),
                }
            }
            Err(_) => expr.to_string(),
        }
    }

    fn lookup(&self, name: &str) -> Option<String> {
        let p = &self.p;
        match name {
            "?" => Some(p.env.status.to_string()),
            "$" => Some("1".into()),
            "!" => Some(String::new()),
            "#" => Some(p.args.len().saturating_sub(1).to_string()),
            "@" | "*" => Some(p.args.iter().skip(1).cloned().collect::<Vec<_>>().join(" ")),
            "-" => Some(String::new()),
            n if n.chars().all(|c| c.is_ascii_digit()) => n.parse::<usize>().ok().and_then(|i| p.args.get(i).cloned()),
            n => p.env.get(n).map(str::to_string),
        }
    }

    fn param(&mut self, param: &Param) -> String {
        let value = self.lookup(&param.name);
        if param.length {
            return value.unwrap_or_default().chars().count().to_string();
        }
        let Some((op, word)) = &param.op else { return value.unwrap_or_default() };
        let set = value.is_some();
        let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        match op.as_str() {
            ":-" | "-" => {
                let use_default = if op == ":-" { !non_empty } else { !set };
                if use_default { self.string(word) } else { value.unwrap_or_default() }
            }
            ":=" | "=" => {
                let use_default = if op == ":=" { !non_empty } else { !set };
                if use_default {
                    let v = self.string(word);
                    self.p.env.vars.insert(param.name.clone(), v.clone());
                    v
                } else {
                    value.unwrap_or_default()
                }
            }
            ":+" | "+" => {
                let present = if op == ":+" { non_empty } else { set };
                if present { self.string(word) } else { String::new() }
            }
            ":?" | "?" => {
                let missing = if op == ":?" { !non_empty } else { !set };
                if missing {
                    let msg = self.string(word);
                    let msg = if msg.is_empty() { "parameter not set".to_string() } else { msg };
                    self.p.stderr.push_str(&format!("sh: {}: {msg}\n", param.name));
                    self.p.env.status = 1;
                    String::new()
                } else {
                    value.unwrap_or_default()
                }
            }
            "#" | "##" | "%" | "%%" => {
                let v = value.unwrap_or_default();
                let pat = self.string(word);
                trim(&v, &pat, op)
            }
            _ => value.unwrap_or_default(),
        }
    }
}

/// `${v#pat}` and friends, with `*` and `?` in the pattern.
fn trim(v: &str, pat: &str, op: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let n = chars.len();
    let matches = |s: &[char]| glob_match(pat, &s.iter().collect::<String>());
    match op {
        "#" => (0..=n).find(|&i| matches(&chars[..i])).map(|i| chars[i..].iter().collect()),
        "##" => (0..=n).rev().find(|&i| matches(&chars[..i])).map(|i| chars[i..].iter().collect()),
        "%" => (0..=n).rev().find(|&i| matches(&chars[i..])).map(|i| chars[..i].iter().collect()),
        _ => (0..=n).find(|&i| matches(&chars[i..])).map(|i| chars[..i].iter().collect()),
    }
    .unwrap_or_else(|| v.to_string())
}

/// Shell pattern matching with `*`, `?` and `[…]`.
pub(super) fn glob_match(pat: &str, s: &str) -> bool {
    fn go(p: &[char], s: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => (0..=s.len()).any(|i| go(rest, &s[i..])),
            Some(('?', rest)) => !s.is_empty() && go(rest, &s[1..]),
            Some(('[', rest)) => {
                let Some(close) = rest.iter().position(|c| *c == ']') else {
                    return s.first() == Some(&'[') && go(rest, &s[1..]);
                };
                let Some(&c) = s.first() else { return false };
                let (neg, set) = match rest[..close].split_first() {
                    Some(('!' | '^', set)) => (true, set),
                    _ => (false, &rest[..close]),
                };
                let mut hit = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == '-' {
                        hit |= set[i] <= c && c <= set[i + 2];
                        i += 3;
                    } else {
                        hit |= set[i] == c;
                        i += 1;
                    }
                }
                hit != neg && go(&rest[close + 1..], &s[1..])
            }
            Some((c, rest)) => s.first() == Some(c) && go(rest, &s[1..]),
        }
    }
    let p: Vec<char> = pat.chars().collect();
    let s: Vec<char> = s.chars().collect();
    go(&p, &s)
}

/// Field splitting on blanks (the default IFS), only inside pieces that came from unquoted
/// expansions; quoted and literal text joins the fields beside it.
fn split(pieces: Vec<Piece>, quoted: bool) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut has_current = false;
    for piece in pieces {
        if !piece.split {
            current.push_str(&piece.text);
            has_current = true;
            continue;
        }
        let t = &piece.text;
        if t.is_empty() {
            continue;
        }
        let starts_blank = t.starts_with([' ', '\t', '\n']);
        let ends_blank = t.ends_with([' ', '\t', '\n']);
        let words: Vec<&str> = t.split([' ', '\t', '\n']).filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            if has_current {
                fields.push(std::mem::take(&mut current));
                has_current = false;
            }
            continue;
        }
        if starts_blank && has_current {
            fields.push(std::mem::take(&mut current));
        }
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                fields.push(std::mem::take(&mut current));
            }
            current.push_str(w);
        }
        has_current = true;
        if ends_blank {
            fields.push(std::mem::take(&mut current));
            has_current = false;
        }
    }
    if has_current || (fields.is_empty() && quoted) {
        fields.push(current);
    }
    fields
}
