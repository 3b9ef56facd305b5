//! What every shell brings: its builtins (`echo`, `printf`, `export`, `test`, `read`, `cd`,
//! `sleep`, `eval` …) and the text filters the Kubernetes documentation pipes output into
//! (`grep`, `head`, `tail`, `wc`, `sort`, `uniq`, `cut`, `tr`, `base64`, `awk '{print $N}'`,
//! `sed 's/a/b/'`), answering in busybox's words.

use base64::Engine as _;

use super::vm::{Builtin, Process};
use super::{CmdOutput, Dialect, Env, Host};
use crate::time::SimDuration;

/// Runs a builtin, if `name` is one.
pub(super) fn builtin(
    p: &mut Process,
    host: &mut dyn Host,
    name: &str,
    argv: &[String],
    stdin: &str,
) -> Option<Builtin> {
    let args = &argv[1..];
    let done = |o: CmdOutput| Some(Builtin::Done(o));
    match name {
        ":" | "true" => done(CmdOutput::default()),
        "false" => done(CmdOutput::err("", 1)),
        "echo" => done(CmdOutput::ok(echo(args, host.dialect()))),
        "printf" => done(printf(args)),
        "export" | "readonly" => {
            for a in args.iter().filter(|a| !a.starts_with('-')) {
                match a.split_once('=') {
                    Some((k, v)) => {
                        p.env.vars.insert(k.to_string(), v.to_string());
                        p.env.exported.insert(k.to_string());
                    }
                    None => {
                        p.env.exported.insert(a.clone());
                    }
                }
            }
            done(CmdOutput::default())
        }
        "unset" => {
            for a in args.iter().filter(|a| !a.starts_with('-')) {
                p.env.vars.remove(a);
                p.env.exported.remove(a);
            }
            done(CmdOutput::default())
        }
        "cd" => {
            let target = args.first().cloned().unwrap_or_else(|| p.env.get("HOME").unwrap_or("/").to_string());
            let path = crate::fs::normalize(&p.env.cwd, &target);
            p.env.cwd = path.clone();
            p.env.vars.insert("PWD".into(), path);
            done(CmdOutput::default())
        }
        "pwd" => done(CmdOutput::ok(format!("{}\n", p.env.cwd))),
        "exit" => Some(Builtin::Exit(args.first().and_then(|c| c.parse().ok()).unwrap_or(p.env.status))),
        "test" | "[" => {
            let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
            if name == "[" {
                if a.last() != Some(&"]") {
                    return done(CmdOutput::err("sh: missing ]\n", 2));
                }
                a.pop();
            }
            done(match test(&a, host) {
                Ok(true) => CmdOutput::default(),
                Ok(false) => CmdOutput::err("", 1),
                Err(e) => CmdOutput::err(format!("sh: {name}: {e}\n"), 2),
            })
        }
        "sleep" => {
            let total: f64 = args.iter().filter_map(|a| sleep_seconds(a)).sum();
            if args.is_empty() {
                return done(CmdOutput::err("sleep: missing operand\n", 1));
            }
            if args.iter().any(|a| sleep_seconds(a).is_none()) {
                return done(CmdOutput::err(format!("sleep: invalid number '{}'\n", args[0]), 1));
            }
            Some(Builtin::Sleep(SimDuration((total * 1000.0).clamp(0.0, 1e15) as i64)))
        }
        "eval" | "source" | "." => {
            let text = if name == "eval" {
                args.join(" ")
            } else {
                match args.first().map(|f| host.read(f)) {
                    Some(Ok(t)) => t,
                    Some(Err(e)) => return done(CmdOutput::err(format!("sh: {}: {e}\n", args[0]), 1)),
                    None => return done(CmdOutput::err("sh: .: filename argument required\n", 2)),
                }
            };
            let script = match super::parse(&text) {
                Ok(s) => s,
                Err(e) => return done(CmdOutput::err(format!("{}\n", e.message(host.dialect())), 2)),
            };
            let (out, env) = p.run_nested(host, &script, Some(stdin.to_string()));
            p.env = Env { status: out.code, ..env };
            done(out)
        }
        "set" | "trap" | "wait" | "shift" | "umask" | "ulimit" | "hash" | "alias" | "local" => {
            done(CmdOutput::default())
        }
        "tee" => {
            let append = args.iter().any(|a| a == "-a");
            for f in args.iter().filter(|a| !a.starts_with('-')) {
                if let Err(e) = host.write(f, stdin, append) {
                    return done(CmdOutput { stdout: stdin.to_string(), stderr: format!("tee: {f}: {e}\n"), code: 1 });
                }
            }
            done(CmdOutput::ok(stdin))
        }
        "command" | "exec" | "nohup" | "time" | "env" if name != "env" || args.iter().any(|a| !a.contains('=')) => {
            // `env A=1 cmd`, `command cmd`, `exec cmd`: run the rest as a command.
            let mut env = p.env.clone();
            let mut rest = args;
            if name == "env" {
                while let Some((a, r)) = rest.split_first() {
                    match a.split_once('=') {
                        Some((k, v)) if !a.starts_with('-') => {
                            env.vars.insert(k.into(), v.into());
                            env.exported.insert(k.into());
                            rest = r;
                        }
                        _ if a.starts_with('-') => rest = r,
                        _ => break,
                    }
                }
            }
            if rest.is_empty() {
                return None;
            }
            let out = match host.run(rest, &env, stdin) {
                Some(o) => o,
                None => match filter(&rest[0], &rest[1..], stdin, &env) {
                    Some(o) => o,
                    None => host.not_found(&rest[0]),
                },
            };
            if name == "exec" {
                p.stdout.push_str(&out.stdout);
                p.stderr.push_str(&out.stderr);
                return Some(Builtin::Exit(out.code));
            }
            done(out)
        }
        _ => None,
    }
}

/// `read [VAR…]`: a line of standard input into variables. Reading the process's own input
/// consumes it, so `while read l; do …; done < file` walks the file; a redirection on `read`
/// itself gives it a fresh copy.
pub(super) fn reader(p: &mut Process, name: &str, argv: &[String], redirected: Option<&str>) -> Option<CmdOutput> {
    if name != "read" {
        return None;
    }
    let vars: Vec<&String> = argv[1..].iter().filter(|a| !a.starts_with('-')).collect();
    let source = match redirected {
        Some(r) => r.to_string(),
        None => std::mem::take(&mut p.stdin),
    };
    let eof = source.is_empty();
    let (line, rest) = source.split_once('\n').unwrap_or((source.as_str(), ""));
    let mut words: Vec<&str> = line.split_whitespace().collect();
    for (i, v) in vars.iter().enumerate() {
        let value = if i + 1 == vars.len() {
            words.join(" ")
        } else if words.is_empty() {
            String::new()
        } else {
            words.remove(0).to_string()
        };
        p.env.vars.insert((*v).clone(), value);
    }
    if vars.is_empty() {
        p.env.vars.insert("REPLY".into(), line.to_string());
    }
    if redirected.is_none() {
        p.stdin = rest.to_string();
    }
    Some(if eof { CmdOutput::err("", 1) } else { CmdOutput::default() })
}

/// `sleep 5`, `sleep 0.5`, `sleep 1m`, `sleep infinity`.
fn sleep_seconds(a: &str) -> Option<f64> {
    if a == "infinity" {
        return Some(1e9);
    }
    let (num, mult) = match a.chars().last() {
        Some('s') => (&a[..a.len() - 1], 1.0),
        Some('m') => (&a[..a.len() - 1], 60.0),
        Some('h') => (&a[..a.len() - 1], 3600.0),
        Some('d') => (&a[..a.len() - 1], 86400.0),
        _ => (a, 1.0),
    };
    num.parse::<f64>().ok().filter(|n| *n >= 0.0).map(|n| n * mult)
}

fn echo(args: &[String], dialect: Dialect) -> String {
    let mut newline = true;
    let mut escapes = dialect == Dialect::Dash;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.as_str() {
            "-n" => newline = false,
            "-e" if dialect == Dialect::Busybox => escapes = true,
            "-E" if dialect == Dialect::Busybox => escapes = false,
            "-ne" | "-en" if dialect == Dialect::Busybox => {
                newline = false;
                escapes = true;
            }
            _ => break,
        }
        i += 1;
    }
    let mut text = args[i..].join(" ");
    if escapes {
        let (t, stop) = unescape(&text);
        text = t;
        if stop {
            return text;
        }
    }
    if newline {
        text.push('\n');
    }
    text
}

/// Backslash escapes as `echo -e` and `printf %b` read them; true when `\c` ends the output.
fn unescape(s: &str) -> (String, bool) {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some('e') => out.push('\u{1b}'),
            Some('c') => return (out, true),
            Some('0') => {
                let mut n = 0u32;
                for _ in 0..3 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            n = n * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(n).unwrap_or('\0'));
            }
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    (out, false)
}

/// `printf FORMAT [ARG…]`, the format reused while arguments remain, as sh's printf does.
fn printf(args: &[String]) -> CmdOutput {
    let Some((fmt, rest)) = args.split_first() else {
        return CmdOutput::err("printf: usage: printf format [arguments]\n", 2);
    };
    let mut out = String::new();
    let mut next = 0;
    loop {
        let consumed_before = next;
        let mut chars = fmt.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    let mut esc = String::from("\\");
                    if let Some(n) = chars.next() {
                        esc.push(n);
                    }
                    out.push_str(&unescape(&esc).0);
                }
                '%' => {
                    let mut spec = String::new();
                    while let Some(&d) = chars.peek().filter(|d| "-+ #0123456789.".contains(**d)) {
                        spec.push(d);
                        chars.next();
                    }
                    let Some(verb) = chars.next() else { break };
                    if verb == '%' {
                        out.push('%');
                        continue;
                    }
                    let arg = rest.get(next).cloned().unwrap_or_default();
                    next += 1;
                    let (left, width, precision) = parse_spec(&spec);
                    let body = match verb {
                        's' => match precision {
                            Some(p) => arg.chars().take(p).collect(),
                            None => arg,
                        },
                        'b' => unescape(&arg).0,
                        'd' | 'i' => arg.trim().parse::<i64>().unwrap_or(0).to_string(),
                        'u' => arg.trim().parse::<u64>().unwrap_or(0).to_string(),
                        'x' => format!("{:x}", arg.trim().parse::<i64>().unwrap_or(0)),
                        'X' => format!("{:X}", arg.trim().parse::<i64>().unwrap_or(0)),
                        'o' => format!("{:o}", arg.trim().parse::<i64>().unwrap_or(0)),
                        'f' => format!("{:.*}", precision.unwrap_or(6), arg.trim().parse::<f64>().unwrap_or(0.0)),
                        'c' => arg.chars().next().map(String::from).unwrap_or_default(),
                        other => format!("%{other}"),
                    };
                    let pad = width.saturating_sub(body.chars().count());
                    if left {
                        out.push_str(&body);
                        out.extend(std::iter::repeat_n(' ', pad));
                    } else {
                        out.extend(std::iter::repeat_n(
                            if spec.starts_with('0') && verb != 's' { '0' } else { ' ' },
                            pad,
                        ));
                        out.push_str(&body);
                    }
                }
                c => out.push(c),
            }
        }
        if next >= rest.len() || next == consumed_before {
            break;
        }
    }
    CmdOutput::ok(out)
}

fn parse_spec(spec: &str) -> (bool, usize, Option<usize>) {
    let left = spec.contains('-');
    let digits: String = spec.chars().filter(|c| c.is_ascii_digit() || *c == '.').collect();
    let (w, p) = match digits.split_once('.') {
        Some((w, p)) => (w.to_string(), Some(p.parse().unwrap_or(0))),
        None => (digits, None),
    };
    (left, w.trim_start_matches('0').parse().unwrap_or(0), p)
}

/// `test` / `[`: strings, integers, files, `!`, `-a`, `-o`.
fn test(a: &[&str], host: &mut dyn Host) -> Result<bool, String> {
    if let Some(i) = a.iter().position(|x| *x == "-o") {
        return Ok(test(&a[..i], host)? || test(&a[i + 1..], host)?);
    }
    if let Some(i) = a.iter().position(|x| *x == "-a") {
        return Ok(test(&a[..i], host)? && test(&a[i + 1..], host)?);
    }
    let int = |s: &str| s.trim().parse::<i64>().map_err(|_| format!("{s}: bad number"));
    Ok(match a {
        [] => false,
        ["!", rest @ ..] => !test(rest, host)?,
        [s] => !s.is_empty(),
        ["-n", s] => !s.is_empty(),
        ["-z", s] => s.is_empty(),
        ["-f" | "-e" | "-r" | "-s", path] => host.read(path).is_ok_and(|t| a[0] != "-s" || !t.is_empty()),
        ["-d", path] => host.read(&format!("{}/.", path.trim_end_matches('/'))).is_ok() || *path == "/",
        [x, "=" | "==", y] => x == y,
        [x, "!=", y] => x != y,
        [x, "-eq", y] => int(x)? == int(y)?,
        [x, "-ne", y] => int(x)? != int(y)?,
        [x, "-lt", y] => int(x)? < int(y)?,
        [x, "-le", y] => int(x)? <= int(y)?,
        [x, "-gt", y] => int(x)? > int(y)?,
        [x, "-ge", y] => int(x)? >= int(y)?,
        _ => return Err("unknown operand".into()),
    })
}

/// `$((…))`: integers, `+ - * / %`, comparisons, `&& || !`, parentheses, variables by name.
pub(super) fn arith(text: &str, env: &Env) -> Result<i64, String> {
    let toks: Vec<String> = {
        let mut t = Vec::new();
        let s: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < s.len() {
            let c = s[i];
            if c.is_whitespace() {
                i += 1;
            } else if c.is_ascii_digit() {
                let start = i;
                while i < s.len() && s[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                t.push(s[start..i].iter().collect());
            } else if c.is_ascii_alphabetic() || c == '_' {
                let start = i;
                while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == '_') {
                    i += 1;
                }
                let name: String = s[start..i].iter().collect();
                t.push(env.get(&name).unwrap_or("0").to_string());
            } else {
                let two: String = s[i..(i + 2).min(s.len())].iter().collect();
                if ["==", "!=", "<=", ">=", "&&", "||"].contains(&two.as_str()) {
                    t.push(two);
                    i += 2;
                } else {
                    t.push(c.to_string());
                    i += 1;
                }
            }
        }
        t
    };
    let mut pos = 0;
    let v = arith_expr(&toks, &mut pos, 0)?;
    if pos < toks.len() {
        return Err(format!("unexpected '{}'", toks[pos]));
    }
    Ok(v)
}

fn arith_expr(t: &[String], pos: &mut usize, min_prec: u8) -> Result<i64, String> {
    let mut lhs = arith_unary(t, pos)?;
    while let Some(op) = t.get(*pos) {
        let prec = match op.as_str() {
            "||" => 1,
            "&&" => 2,
            "==" | "!=" => 3,
            "<" | ">" | "<=" | ">=" => 4,
            "+" | "-" => 5,
            "*" | "/" | "%" => 6,
            _ => break,
        };
        if prec < min_prec {
            break;
        }
        let op = op.clone();
        *pos += 1;
        let rhs = arith_expr(t, pos, prec + 1)?;
        lhs = match op.as_str() {
            "||" => i64::from(lhs != 0 || rhs != 0),
            "&&" => i64::from(lhs != 0 && rhs != 0),
            "==" => i64::from(lhs == rhs),
            "!=" => i64::from(lhs != rhs),
            "<" => i64::from(lhs < rhs),
            ">" => i64::from(lhs > rhs),
            "<=" => i64::from(lhs <= rhs),
            ">=" => i64::from(lhs >= rhs),
            "+" => lhs.wrapping_add(rhs),
            "-" => lhs.wrapping_sub(rhs),
            "*" => lhs.wrapping_mul(rhs),
            "/" | "%" if rhs == 0 => return Err("division by zero".into()),
            "/" => lhs.wrapping_div(rhs),
            _ => lhs.wrapping_rem(rhs),
        };
    }
    Ok(lhs)
}

fn arith_unary(t: &[String], pos: &mut usize) -> Result<i64, String> {
    let Some(tok) = t.get(*pos).cloned() else { return Err("expression expected".into()) };
    *pos += 1;
    match tok.as_str() {
        "-" => Ok(arith_unary(t, pos)?.wrapping_neg()),
        "+" => arith_unary(t, pos),
        "!" => Ok(i64::from(arith_unary(t, pos)? == 0)),
        "(" => {
            let v = arith_expr(t, pos, 0)?;
            if t.get(*pos).map(String::as_str) != Some(")") {
                return Err("missing ')'".into());
            }
            *pos += 1;
            Ok(v)
        }
        n => {
            if let Some(hex) = n.strip_prefix("0x") {
                return i64::from_str_radix(hex, 16).map_err(|_| format!("bad number '{n}'"));
            }
            n.parse::<i64>().map_err(|_| format!("bad number '{n}'"))
        }
    }
}

/// The text filters, over standard input (or the files a host gave as `stdin`). None when
/// `name` is not one.
pub fn filter(name: &str, args: &[String], stdin: &str, _env: &Env) -> Option<CmdOutput> {
    Some(match name {
        "cat" if args.iter().all(|a| a == "-" || a.starts_with('-')) => CmdOutput::ok(stdin),
        "grep" | "egrep" | "fgrep" => grep(name, args, stdin),
        "head" | "tail" => head_tail(name == "head", args, stdin),
        "wc" => wc(args, stdin),
        "sort" => sort(args, stdin),
        "uniq" => uniq(args, stdin),
        "cut" => cut(args, stdin),
        "tr" => tr(args, stdin),
        "base64" => base64_filter(args, stdin),
        "rev" => CmdOutput::ok(
            lines(stdin).iter().map(|l| format!("{}\n", l.chars().rev().collect::<String>())).collect::<String>(),
        ),
        "tac" => CmdOutput::ok(lines(stdin).iter().rev().map(|l| format!("{l}\n")).collect::<String>()),
        "seq" => seq(args),
        "awk" => awk(args, stdin),
        "sed" => sed(args, stdin),
        "basename" => CmdOutput::ok(format!(
            "{}\n",
            args.first().map(|a| a.trim_end_matches('/').rsplit('/').next().unwrap_or("")).unwrap_or("")
        )),
        "dirname" => CmdOutput::ok(format!(
            "{}\n",
            args.first()
                .map(|a| match a.trim_end_matches('/').rsplit_once('/') {
                    Some(("", _)) => "/".to_string(),
                    Some((d, _)) => d.to_string(),
                    None => ".".to_string(),
                })
                .unwrap_or_default()
        )),
        "yes" => CmdOutput::ok(format!("{}\n", args.first().map_or("y", String::as_str)).repeat(1000)),
        _ => return None,
    })
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

fn join_lines<'a>(ls: impl IntoIterator<Item = &'a str>) -> String {
    ls.into_iter().map(|l| format!("{l}\n")).collect()
}

/// A BRE (`grep`) or ERE (`grep -E`) as a regex-lite pattern.
fn regex_of(
    pattern: &str,
    extended: bool,
    fixed: bool,
    icase: bool,
    word: bool,
    line: bool,
) -> Result<regex_lite::Regex, String> {
    let mut p = if fixed {
        regex_lite::escape(pattern)
    } else if extended {
        pattern.to_string()
    } else {
        // In a basic regular expression `+ ? | ( ) { }` are plain characters and their escaped
        // forms are the operators (GNU's reading).
        let mut out = String::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(n @ ('+' | '?' | '|' | '(' | ')' | '{' | '}')) => out.push(n),
                    Some(n) => {
                        out.push('\\');
                        out.push(n);
                    }
                    None => out.push_str("\\\\"),
                },
                '+' | '?' | '|' | '(' | ')' | '{' | '}' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out
    };
    if word {
        p = format!(r"\b(?:{p})\b");
    }
    if line {
        p = format!("^(?:{p})$");
    }
    if icase {
        p = format!("(?i){p}");
    }
    regex_lite::Regex::new(&p).map_err(|e| e.to_string())
}

/// Flags for filters: `-n5`, `-n 5`, `-5`, clustered booleans (`-iv`).
struct Flags<'a> {
    on: String,
    values: Vec<(char, String)>,
    rest: Vec<&'a str>,
}

fn flags<'a>(args: &'a [String], with_value: &str) -> Flags<'a> {
    let mut f = Flags { on: String::new(), values: Vec::new(), rest: Vec::new() };
    let mut i = 0;
    let mut only_positional = false;
    while i < args.len() {
        let a = args[i].as_str();
        if only_positional || !a.starts_with('-') || a == "-" || a.len() == 1 {
            f.rest.push(a);
        } else if a == "--" {
            only_positional = true;
        } else if a[1..].chars().all(|c| c.is_ascii_digit()) {
            f.values.push(('#', a[1..].to_string()));
        } else {
            let body: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < body.len() {
                let c = body[j];
                if with_value.contains(c) {
                    let v: String = body[j + 1..].iter().collect();
                    let v = if v.is_empty() {
                        i += 1;
                        args.get(i).cloned().unwrap_or_default()
                    } else {
                        v
                    };
                    f.values.push((c, v));
                    break;
                }
                f.on.push(c);
                j += 1;
            }
        }
        i += 1;
    }
    f
}

impl Flags<'_> {
    fn has(&self, c: char) -> bool {
        self.on.contains(c)
    }

    fn value(&self, c: char) -> Option<&str> {
        self.values.iter().rev().find(|(k, _)| *k == c).map(|(_, v)| v.as_str())
    }
}

fn grep(name: &str, args: &[String], stdin: &str) -> CmdOutput {
    let f = flags(args, "eABCm");
    let mut rest = f.rest.clone();
    let pattern = match f.value('e') {
        Some(p) => p.to_string(),
        None if !rest.is_empty() => rest.remove(0).to_string(),
        None => {
            return CmdOutput::err(
                "Usage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n",
                2,
            );
        }
    };
    let extended = name == "egrep" || f.has('E');
    let fixed = name == "fgrep" || f.has('F');
    let re = match regex_of(&pattern, extended, fixed, f.has('i'), f.has('w'), f.has('x')) {
        Ok(r) => r,
        Err(e) => return CmdOutput::err(format!("grep: {e}\n"), 2),
    };
    let invert = f.has('v');
    let all = lines(stdin);
    let matched: Vec<usize> =
        all.iter().enumerate().filter(|(_, l)| re.is_match(l) != invert).map(|(i, _)| i).collect();
    let matched: Vec<usize> = match f.value('m').and_then(|m| m.parse::<usize>().ok()) {
        Some(m) => matched.into_iter().take(m).collect(),
        None => matched,
    };
    let code = if matched.is_empty() { 1 } else { 0 };
    if f.has('q') {
        return CmdOutput { code, ..Default::default() };
    }
    if f.has('c') {
        return CmdOutput { stdout: format!("{}\n", matched.len()), stderr: String::new(), code };
    }
    let ctx = |c: char| f.value(c).or(f.value('C')).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let (after, before) = (ctx('A'), ctx('B'));
    let mut out = String::new();
    let mut last: Option<usize> = None;
    for &i in &matched {
        let from = i.saturating_sub(before);
        let to = (i + after).min(all.len().saturating_sub(1));
        if (before > 0 || after > 0) && last.is_some_and(|l| from > l + 1) {
            out.push_str("--\n");
        }
        let first = from.max(last.map_or(0, |l| l + 1));
        for (j, line) in all.iter().enumerate().take(to + 1).skip(first) {
            let prefix =
                if f.has('n') { format!("{}{}", j + 1, if j == i { ':' } else { '-' }) } else { String::new() };
            if f.has('o') && j == i {
                for m in re.find_iter(line) {
                    out.push_str(&format!("{prefix}{}\n", m.as_str()));
                }
            } else {
                out.push_str(&format!("{prefix}{line}\n"));
            }
        }
        last = Some(to);
    }
    CmdOutput { stdout: out, stderr: String::new(), code }
}

fn head_tail(head: bool, args: &[String], stdin: &str) -> CmdOutput {
    let f = flags(args, "nc");
    let spec = f.value('n').or(f.value('#')).unwrap_or("10");
    let all = lines(stdin);
    if let Some(c) = f.value('c').and_then(|c| c.parse::<usize>().ok()) {
        let bytes = stdin.as_bytes();
        let part = if head { &bytes[..c.min(bytes.len())] } else { &bytes[bytes.len().saturating_sub(c)..] };
        return CmdOutput::ok(String::from_utf8_lossy(part).into_owned());
    }
    let text = if head {
        match spec.strip_prefix('-').and_then(|n| n.parse::<usize>().ok()) {
            Some(drop) => join_lines(all[..all.len().saturating_sub(drop)].iter().copied()),
            None => join_lines(all.iter().take(spec.parse().unwrap_or(10)).copied()),
        }
    } else {
        match spec.strip_prefix('+').and_then(|n| n.parse::<usize>().ok()) {
            Some(from) => join_lines(all.iter().skip(from.saturating_sub(1)).copied()),
            None => {
                let n = spec.trim_start_matches('-').parse::<usize>().unwrap_or(10);
                join_lines(all[all.len().saturating_sub(n)..].iter().copied())
            }
        }
    };
    CmdOutput::ok(text)
}

fn wc(args: &[String], stdin: &str) -> CmdOutput {
    let f = flags(args, "");
    let l = stdin.matches('\n').count();
    let w = stdin.split_whitespace().count();
    let c = stdin.len();
    let chosen: Vec<usize> =
        [('l', l), ('w', w), ('c', c)].iter().filter(|(k, _)| f.has(*k)).map(|(_, v)| *v).collect();
    let shown = if chosen.is_empty() { vec![l, w, c] } else { chosen };
    let text = if shown.len() == 1 {
        shown[0].to_string()
    } else {
        shown.iter().map(|n| format!("{n:>7}")).collect::<Vec<_>>().join(" ")
    };
    CmdOutput::ok(format!("{text}\n"))
}

fn sort(args: &[String], stdin: &str) -> CmdOutput {
    let f = flags(args, "kt");
    let sep = f.value('t').and_then(|t| t.chars().next());
    let key = f.value('k').and_then(|k| k.split([',', '.']).next()).and_then(|k| k.parse::<usize>().ok());
    let field = |l: &str| -> String {
        match key {
            None => l.to_string(),
            Some(k) => match sep {
                Some(s) => l.split(s).nth(k - 1).unwrap_or("").to_string(),
                None => l.split_whitespace().nth(k - 1).unwrap_or("").to_string(),
            },
        }
    };
    let mut all: Vec<&str> = lines(stdin);
    let numeric = f.has('n') || f.has('h');
    all.sort_by(|a, b| {
        let (x, y) = (field(a), field(b));
        let o = if numeric {
            let n = |s: &str| {
                s.trim()
                    .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                    .next()
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            n(&x).total_cmp(&n(&y))
        } else {
            x.cmp(&y)
        };
        o.then_with(|| a.cmp(b))
    });
    if f.has('r') {
        all.reverse();
    }
    if f.has('u') {
        all.dedup_by(|a, b| field(a) == field(b));
    }
    CmdOutput::ok(join_lines(all))
}

fn uniq(args: &[String], stdin: &str) -> CmdOutput {
    let f = flags(args, "");
    let mut groups: Vec<(&str, usize)> = Vec::new();
    for l in lines(stdin) {
        match groups.last_mut() {
            Some((last, n)) if *last == l => *n += 1,
            _ => groups.push((l, 1)),
        }
    }
    let out: String = groups
        .iter()
        .filter(|(_, n)| (!f.has('d') || *n > 1) && (!f.has('u') || *n == 1))
        .map(|(l, n)| if f.has('c') { format!("{n:>7} {l}\n") } else { format!("{l}\n") })
        .collect();
    CmdOutput::ok(out)
}

/// `1,3`, `2-`, `-2`, `1-3`: cut's lists.
fn ranges(spec: &str) -> Vec<(usize, usize)> {
    spec.split(',')
        .filter_map(|r| match r.split_once('-') {
            Some((a, b)) => Some((a.parse().unwrap_or(1), b.parse().unwrap_or(usize::MAX))),
            None => r.parse().ok().map(|n| (n, n)),
        })
        .collect()
}

fn cut(args: &[String], stdin: &str) -> CmdOutput {
    let f = flags(args, "dfcb");
    let out: String = lines(stdin)
        .iter()
        .map(|l| {
            if let Some(spec) = f.value('c').or(f.value('b')) {
                let chars: Vec<char> = l.chars().collect();
                let picked: String = (1..=chars.len())
                    .filter(|i| ranges(spec).iter().any(|(a, b)| a <= i && i <= b))
                    .map(|i| chars[i - 1])
                    .collect();
                return format!("{picked}\n");
            }
            let d = f.value('d').and_then(|d| d.chars().next()).unwrap_or('\t');
            if !l.contains(d) {
                return format!("{l}\n");
            }
            let parts: Vec<&str> = l.split(d).collect();
            let spec = f.value('f').unwrap_or("1");
            let picked: Vec<&str> = (1..=parts.len())
                .filter(|i| ranges(spec).iter().any(|(a, b)| a <= i && i <= b))
                .map(|i| parts[i - 1])
                .collect();
            format!("{}\n", picked.join(&d.to_string()))
        })
        .collect();
    CmdOutput::ok(out)
}

/// `a-z`, `[:upper:]`, `\n` in tr's sets.
fn tr_set(s: &str) -> Vec<char> {
    let s = s
        .replace("[:upper:]", "A-Z")
        .replace("[:lower:]", "a-z")
        .replace("[:digit:]", "0-9")
        .replace("[:space:]", " \t\n");
    let (s, _) = unescape(&s);
    let c: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if i + 2 < c.len() && c[i + 1] == '-' && c[i] <= c[i + 2] {
            out.extend(c[i]..=c[i + 2]);
            i += 3;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn tr(args: &[String], stdin: &str) -> CmdOutput {
    let f = flags(args, "");
    let sets: Vec<Vec<char>> = f.rest.iter().map(|s| tr_set(s)).collect();
    let out: String = if f.has('d') {
        let gone = sets.first().cloned().unwrap_or_default();
        stdin.chars().filter(|c| !gone.contains(c)).collect()
    } else if f.has('s') && sets.len() == 1 {
        let mut out = String::new();
        for c in stdin.chars() {
            if !(sets[0].contains(&c) && out.ends_with(c)) {
                out.push(c);
            }
        }
        out
    } else if let [from, to] = sets.as_slice() {
        stdin
            .chars()
            .map(|c| match from.iter().position(|x| *x == c) {
                Some(i) => *to.get(i).or(to.last()).unwrap_or(&c),
                None => c,
            })
            .collect()
    } else {
        return CmdOutput::err("tr: missing operand\n", 1);
    };
    CmdOutput::ok(out)
}

fn base64_filter(args: &[String], stdin: &str) -> CmdOutput {
    let f = flags(args, "w");
    let b64 = base64::engine::general_purpose::STANDARD;
    if f.has('d') || args.iter().any(|a| a == "--decode") {
        let clean: String = stdin.chars().filter(|c| !c.is_whitespace()).collect();
        return match b64.decode(clean.as_bytes()) {
            Ok(b) => CmdOutput::ok(String::from_utf8_lossy(&b).into_owned()),
            Err(_) => CmdOutput::err("base64: invalid input\n", 1),
        };
    }
    let enc = b64.encode(stdin.as_bytes());
    let wrap = f.value('w').and_then(|w| w.parse::<usize>().ok()).unwrap_or(76);
    let text = if wrap == 0 {
        format!("{enc}\n")
    } else {
        enc.as_bytes().chunks(wrap).map(|c| format!("{}\n", String::from_utf8_lossy(c))).collect()
    };
    CmdOutput::ok(text)
}

fn seq(args: &[String]) -> CmdOutput {
    let n: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let (first, step, last) = match n.as_slice() {
        [l] => (1, 1, *l),
        [f, l] => (*f, 1, *l),
        [f, s, l] => (*f, *s, *l),
        _ => return CmdOutput::err("seq: missing operand\n", 1),
    };
    if step == 0 {
        return CmdOutput::err("seq: invalid Zero increment value: '0'\n", 1);
    }
    let mut out = String::new();
    let mut v = first;
    let mut count = 0;
    while (step > 0 && v <= last) || (step < 0 && v >= last) {
        out.push_str(&format!("{v}\n"));
        v += step;
        count += 1;
        if count > 100_000 {
            break;
        }
    }
    CmdOutput::ok(out)
}

/// The awk programs one-liners use: `{print $1, $3}`, `NR>1 {print $2}`, `/re/ {print}`,
/// `-F:`; with `print` of fields, `$0`, `NR`, `NF` and strings.
fn awk(args: &[String], stdin: &str) -> CmdOutput {
    let f = flags(args, "Fv");
    let Some(program) = f.rest.first() else { return CmdOutput::err("usage: awk [-F sep] 'program' [file ...]\n", 1) };
    let program = program.trim();
    let (cond, action) = match program.find('{') {
        Some(i) => (program[..i].trim(), program[i + 1..].trim_end().trim_end_matches('}').trim()),
        None => (program, "print"),
    };
    let sep = f.value('F');
    let mut out = String::new();
    for (n, line) in lines(stdin).iter().enumerate() {
        let nr = n + 1;
        let fields: Vec<&str> = match sep {
            Some(s) if !s.is_empty() && s != " " => line.split(s).collect(),
            _ => line.split_whitespace().collect(),
        };
        let value = |term: &str| -> String {
            let term = term.trim();
            match term {
                "$0" => line.to_string(),
                "NR" => nr.to_string(),
                "NF" => fields.len().to_string(),
                "$NF" => fields.last().map(|s| s.to_string()).unwrap_or_default(),
                t if t.starts_with('"') && t.ends_with('"') && t.len() >= 2 => t[1..t.len() - 1].replace("\\t", "\t"),
                t => t
                    .strip_prefix('$')
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| fields.get(i.wrapping_sub(1)).map(|s| s.to_string()))
                    .unwrap_or_default(),
            }
        };
        let pass = match cond {
            "" => true,
            c if c.starts_with('/') && c.ends_with('/') && c.len() >= 2 => {
                regex_lite::Regex::new(&c[1..c.len() - 1]).is_ok_and(|r| r.is_match(line))
            }
            c => match c.split_once(['>', '<', '=']).map(|(a, b)| (a.trim(), b.trim_start_matches('=').trim())) {
                Some((lhs, rhs)) => {
                    let l: i64 = value(lhs).parse().unwrap_or(0);
                    let r: i64 = rhs.parse().unwrap_or(0);
                    if c.contains(">=") {
                        l >= r
                    } else if c.contains("<=") {
                        l <= r
                    } else if c.contains("==") {
                        l == r
                    } else if c.contains('>') {
                        l > r
                    } else {
                        l < r
                    }
                }
                None => true,
            },
        };
        if !pass {
            continue;
        }
        for stmt in action.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let Some(what) = stmt.strip_prefix("print") else { continue };
            let what = what.trim();
            if what.is_empty() {
                out.push_str(line);
            } else {
                let parts: Vec<String> =
                    what.split(',').map(|t| t.split_whitespace().map(value).collect::<String>()).collect();
                out.push_str(&parts.join(" "));
            }
            out.push('\n');
        }
    }
    CmdOutput::ok(out)
}

/// `sed 's/a/b/[g]'`, `sed -n '/re/p'`, `sed 'Nd'`, `sed '/re/d'`.
fn sed(args: &[String], stdin: &str) -> CmdOutput {
    let f = flags(args, "e");
    let quiet = f.has('n');
    let scripts: Vec<String> = match f.value('e') {
        Some(e) => vec![e.to_string()],
        None => f.rest.first().map(|s| vec![s.to_string()]).unwrap_or_default(),
    };
    let Some(script) = scripts.first() else { return CmdOutput::err("Usage: sed [-n] [-e CMD] [FILE]...\n", 1) };
    let mut out = String::new();
    for (n, line) in lines(stdin).iter().enumerate() {
        let mut text = line.to_string();
        let mut print = !quiet;
        if let Some(body) = script.strip_prefix('s') {
            let Some(delim) = body.chars().next() else { continue };
            let parts: Vec<&str> = body[delim.len_utf8()..].split(delim).collect();
            if parts.len() < 2 {
                return CmdOutput::err(
                    format!("sed: -e expression #1, char {}: unterminated `s' command\n", script.len()),
                    1,
                );
            }
            let global = parts.get(2).is_some_and(|fl| fl.contains('g'));
            let re = match regex_of(
                parts[0],
                f.has('E') || f.has('r'),
                false,
                parts.get(2).is_some_and(|fl| fl.contains('i')),
                false,
                false,
            ) {
                Ok(r) => r,
                Err(e) => return CmdOutput::err(format!("sed: {e}\n"), 1),
            };
            let rep = parts[1].replace('&', "$0").replace("\\1", "${1}").replace("\\2", "${2}");
            text = if global {
                re.replace_all(&text, rep.as_str()).into_owned()
            } else {
                re.replace(&text, rep.as_str()).into_owned()
            };
            if parts.get(2).is_some_and(|fl| fl.contains('p')) {
                print = true;
            }
        } else if let Some(addr) = script.strip_suffix('d') {
            let hit = match addr.trim_matches('/') {
                a if addr.starts_with('/') => regex_lite::Regex::new(a).is_ok_and(|r| r.is_match(line)),
                a => a.parse::<usize>().is_ok_and(|k| k == n + 1),
            };
            if hit {
                continue;
            }
        } else if let Some(addr) = script.strip_suffix('p') {
            let hit = match addr.trim_matches('/') {
                a if addr.starts_with('/') => regex_lite::Regex::new(a).is_ok_and(|r| r.is_match(line)),
                "" => true,
                a => a.parse::<usize>().is_ok_and(|k| k == n + 1),
            };
            if hit {
                out.push_str(&format!("{text}\n"));
            }
        }
        if print {
            out.push_str(&format!("{text}\n"));
        }
    }
    CmdOutput::ok(out)
}
