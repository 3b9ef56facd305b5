//! The shell's parser: text into a [`Script`], by the POSIX grammar (reserved words only where
//! a command starts, here-documents read at the next newline).

use super::{AndOr, Command, Connector, Dialect, Param, Part, Pipeline, RedirOp, Redirect, Script, Simple, Word};

/// Why a script did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// More lines could complete it (what was left open).
    Incomplete(Incomplete),
    /// A token where none may stand.
    Unexpected(String),
    /// Nesting too deep.
    TooDeep,
}

/// What an incomplete script left open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incomplete {
    Quote(char),
    HereDoc(String),
    Keyword(&'static str),
    Operator(String),
    Paren,
}

impl ParseError {
    /// The message `sh -c` prints, in its dialect.
    pub fn message(&self, dialect: Dialect) -> String {
        let what = match self {
            ParseError::Incomplete(Incomplete::Quote(q)) => {
                return match dialect {
                    Dialect::Busybox => "sh: syntax error: unterminated quoted string".into(),
                    Dialect::Dash => format!("sh: 1: Syntax error: Unterminated quoted string ({q})"),
                };
            }
            ParseError::Incomplete(Incomplete::HereDoc(d)) => {
                return match dialect {
                    Dialect::Busybox => format!("sh: warning: here-document delimited by end-of-file (wanted '{d}')"),
                    Dialect::Dash => format!("sh: 1: Syntax error: end of file unexpected (expecting \"{d}\")"),
                };
            }
            ParseError::Incomplete(Incomplete::Keyword(k)) => {
                return match dialect {
                    Dialect::Busybox => "sh: syntax error: unexpected end of file".into(),
                    Dialect::Dash => format!("sh: 1: Syntax error: end of file unexpected (expecting \"{k}\")"),
                };
            }
            ParseError::Incomplete(_) => "end of file".to_string(),
            ParseError::Unexpected(t) => t.clone(),
            ParseError::TooDeep => return "sh: syntax error: nesting too deep".into(),
        };
        match dialect {
            Dialect::Busybox => format!(
                "sh: syntax error: unexpected {}",
                if what == "end of file" { what } else { format!("\"{what}\"") }
            ),
            Dialect::Dash => format!("sh: 1: Syntax error: \"{what}\" unexpected"),
        }
    }
}

const MAX_DEPTH: usize = 64;

pub fn parse(text: &str) -> Result<Script, ParseError> {
    let mut p = Parser::new(text, 0);
    let mut script = p.list(&[])?;
    p.skip_blank_and_newlines()?;
    if p.i < p.s.len() {
        return Err(ParseError::Unexpected(p.peek_token_text()));
    }
    if let Some(h) = p.heredocs.first() {
        return Err(ParseError::Incomplete(Incomplete::HereDoc(h.delimiter.clone())));
    }
    let bodies = std::mem::take(&mut p.bodies);
    fill_script(&mut script, &bodies)?;
    Ok(script)
}

/// A here-document whose body is still to come (after the next newline).
struct PendingHereDoc {
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
    /// The placeholder its redirect holds until the body is known.
    slot: usize,
}

struct Parser {
    s: Vec<char>,
    i: usize,
    heredocs: Vec<PendingHereDoc>,
    /// Bodies read: (slot, text, whether the delimiter was quoted, so nothing expands).
    bodies: Vec<(usize, String, bool)>,
    next_slot: usize,
    depth: usize,
}

const HEREDOC_MARK: &str = "\u{0}heredoc:";

/// Puts each here-document's body where its redirect's placeholder stands: quoted text when the
/// delimiter was quoted, otherwise text in which `$` expansions and backquotes still work.
fn fill_script(s: &mut Script, bodies: &[(usize, String, bool)]) -> Result<(), ParseError> {
    for ao in &mut s.items {
        for p in std::iter::once(&mut ao.first).chain(ao.rest.iter_mut().map(|(_, p)| p)) {
            for c in &mut p.commands {
                fill_command(c, bodies)?;
            }
        }
    }
    Ok(())
}

fn fill_command(c: &mut Command, bodies: &[(usize, String, bool)]) -> Result<(), ParseError> {
    let fill_redirects = |rs: &mut Vec<Redirect>| -> Result<(), ParseError> {
        for r in rs.iter_mut() {
            let slot = match r.target.parts.as_slice() {
                [Part::Lit(t)] => t.strip_prefix(HEREDOC_MARK).and_then(|n| n.parse::<usize>().ok()),
                _ => None,
            };
            if let Some(slot) = slot
                && let Some((_, body, quoted)) = bodies.iter().find(|b| b.0 == slot)
            {
                r.target = if *quoted {
                    Word { parts: vec![Part::Quoted(body.clone())] }
                } else {
                    let mut p = Parser::new(body, 1);
                    Word { parts: p.expandable_text()? }
                };
            }
        }
        Ok(())
    };
    match c {
        Command::Simple(s) => fill_redirects(&mut s.redirects)?,
        Command::Group(body, rs) => {
            fill_script(body, bodies)?;
            fill_redirects(rs)?;
        }
        Command::For { body, .. } => fill_script(body, bodies)?,
        Command::While { cond, body, .. } => {
            fill_script(cond, bodies)?;
            fill_script(body, bodies)?;
        }
        Command::If { branches, otherwise } => {
            for (a, b) in branches {
                fill_script(a, bodies)?;
                fill_script(b, bodies)?;
            }
            if let Some(o) = otherwise {
                fill_script(o, bodies)?;
            }
        }
    }
    Ok(())
}

impl Parser {
    fn new(text: &str, depth: usize) -> Parser {
        Parser { s: text.chars().collect(), i: 0, heredocs: Vec::new(), bodies: Vec::new(), next_slot: 0, depth }
    }

    /// An unquoted here-document's body: text with `$` expansions and backquotes, where `\`
    /// escapes only `$`, `` ` ``, `\` and a newline.
    fn expandable_text(&mut self) -> Result<Vec<Part>, ParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        while let Some(c) = self.peek() {
            match c {
                '\\' => match self.peek_at(1) {
                    Some(n @ ('$' | '`' | '\\')) => {
                        lit.push(n);
                        self.i += 2;
                    }
                    Some('\n') => self.i += 2,
                    _ => {
                        lit.push('\\');
                        self.i += 1;
                    }
                },
                '$' => match self.dollar()? {
                    Some(p) => {
                        if !lit.is_empty() {
                            parts.push(Part::Quoted(std::mem::take(&mut lit)));
                        }
                        parts.push(p);
                    }
                    None => lit.push('$'),
                },
                '`' => {
                    if !lit.is_empty() {
                        parts.push(Part::Quoted(std::mem::take(&mut lit)));
                    }
                    parts.push(self.backquote()?);
                }
                c => {
                    lit.push(c);
                    self.i += 1;
                }
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Quoted(lit));
        }
        Ok(vec![Part::Double(parts)])
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.s.get(self.i + n).copied()
    }

    fn starts_with(&self, t: &str) -> bool {
        t.chars().enumerate().all(|(k, c)| self.s.get(self.i + k) == Some(&c))
    }

    /// Skips spaces, tabs, comments and backslash-newlines (not newlines).
    fn skip_blank(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r') => self.i += 1,
                Some('\\') if self.peek_at(1) == Some('\n') => self.i += 2,
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn skip_blank_and_newlines(&mut self) -> Result<(), ParseError> {
        loop {
            self.skip_blank();
            if self.peek() == Some('\n') {
                self.i += 1;
                self.read_heredocs()?;
            } else {
                return Ok(());
            }
        }
    }

    /// After a newline: the bodies of the here-documents opened on the line before.
    fn read_heredocs(&mut self) -> Result<(), ParseError> {
        // Bodies fill the redirect slots in order; see `fill_heredoc`.
        let pending = std::mem::take(&mut self.heredocs);
        for h in pending {
            let mut body = String::new();
            loop {
                if self.i >= self.s.len() {
                    return Err(ParseError::Incomplete(Incomplete::HereDoc(h.delimiter)));
                }
                let start = self.i;
                while self.peek().is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
                let mut line: String = self.s[start..self.i].iter().collect();
                let ended_by_newline = self.peek() == Some('\n');
                if ended_by_newline {
                    self.i += 1;
                }
                if h.strip_tabs {
                    line = line.trim_start_matches('\t').to_string();
                }
                if line == h.delimiter {
                    break;
                }
                if !ended_by_newline && self.i >= self.s.len() {
                    return Err(ParseError::Incomplete(Incomplete::HereDoc(h.delimiter)));
                }
                body.push_str(&line);
                body.push('\n');
            }
            self.bodies.push((h.slot, body, h.quoted));
        }
        Ok(())
    }

    fn peek_token_text(&self) -> String {
        let rest: String = self.s[self.i..].iter().take_while(|c| !c.is_whitespace()).collect();
        if rest.is_empty() { "newline".into() } else { rest.chars().take(20).collect() }
    }

    /// A list up to one of the `ends` reserved words (not consumed) or `)` / end of input.
    fn list(&mut self, ends: &[&str]) -> Result<Script, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::TooDeep);
        }
        let mut items = Vec::new();
        loop {
            self.skip_blank_and_newlines()?;
            match self.peek() {
                None | Some(')') => break,
                Some(';') if self.peek_at(1) == Some(';') => break,
                _ => {}
            }
            if let Some(w) = self.reserved_here()
                && (ends.contains(&w.as_str()) || w == "}")
            {
                break;
            }
            let item = self.and_or()?;
            items.push(item);
            self.skip_blank();
            match self.peek() {
                Some(';') if self.peek_at(1) != Some(';') => self.i += 1,
                Some('&') if self.peek_at(1) != Some('&') => self.i += 1,
                Some('\n') => {}
                _ => {}
            }
        }
        self.depth -= 1;
        Ok(Script { items })
    }

    /// The reserved word at the cursor, if a word here is one (unquoted, whole).
    fn reserved_here(&self) -> Option<String> {
        let mut j = self.i;
        let mut w = String::new();
        while let Some(&c) = self.s.get(j) {
            if c.is_ascii_alphabetic() || c == '{' || c == '}' || c == '!' {
                w.push(c);
                j += 1;
            } else {
                break;
            }
        }
        let next = self.s.get(j).copied();
        let ends_word = next.is_none_or(|c| c.is_whitespace() || ";&|()<>".contains(c));
        let reserved = [
            "if", "then", "else", "elif", "fi", "do", "done", "for", "in", "while", "until", "case", "esac", "{", "}",
            "!",
        ];
        (ends_word && reserved.contains(&w.as_str())).then_some(w)
    }

    fn expect_reserved(&mut self, w: &'static str) -> Result<(), ParseError> {
        self.skip_blank_and_newlines()?;
        if self.i >= self.s.len() {
            return Err(ParseError::Incomplete(Incomplete::Keyword(w)));
        }
        if self.reserved_here().as_deref() == Some(w) {
            self.i += w.chars().count();
            Ok(())
        } else {
            Err(ParseError::Unexpected(self.peek_token_text()))
        }
    }

    fn and_or(&mut self) -> Result<AndOr, ParseError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            self.skip_blank();
            let conn = if self.starts_with("&&") {
                Connector::And
            } else if self.starts_with("||") {
                Connector::Or
            } else {
                break;
            };
            self.i += 2;
            self.skip_blank_and_newlines()?;
            if self.i >= self.s.len() {
                return Err(ParseError::Incomplete(Incomplete::Operator(
                    if conn == Connector::And { "&&" } else { "||" }.into(),
                )));
            }
            rest.push((conn, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        self.skip_blank();
        let mut negate = false;
        if self.reserved_here().as_deref() == Some("!") {
            self.i += 1;
            negate = true;
        }
        let mut commands = vec![self.command()?];
        loop {
            self.skip_blank();
            if self.peek() == Some('|') && self.peek_at(1) != Some('|') {
                self.i += 1;
                self.skip_blank_and_newlines()?;
                if self.i >= self.s.len() {
                    return Err(ParseError::Incomplete(Incomplete::Operator("|".into())));
                }
                commands.push(self.command()?);
            } else {
                break;
            }
        }
        Ok(Pipeline { negate, commands })
    }

    fn command(&mut self) -> Result<Command, ParseError> {
        let c = self.command_only()?;
        if matches!(c, Command::Simple(_) | Command::Group(..)) {
            return Ok(c);
        }
        // `while …; done < file`: a compound command's redirections apply to all of it.
        let redirects = self.redirects_after()?;
        if redirects.is_empty() {
            return Ok(c);
        }
        let item = AndOr { first: Pipeline { negate: false, commands: vec![c] }, rest: Vec::new() };
        Ok(Command::Group(Script { items: vec![item] }, redirects))
    }

    fn command_only(&mut self) -> Result<Command, ParseError> {
        self.skip_blank();
        match self.reserved_here().as_deref() {
            Some("for") => {
                self.i += 3;
                return self.for_loop();
            }
            Some(w @ ("while" | "until")) => {
                self.i += w.len();
                let until = w == "until";
                let cond = self.list(&["do"])?;
                self.expect_reserved("do")?;
                let body = self.list(&["done"])?;
                self.expect_reserved("done")?;
                return Ok(Command::While { until, cond, body });
            }
            Some("if") => {
                self.i += 2;
                return self.if_clause();
            }
            Some("{") => {
                self.i += 1;
                let body = self.list(&["}"])?;
                self.expect_reserved("}")?;
                let redirects = self.redirects_after()?;
                return Ok(Command::Group(body, redirects));
            }
            Some(w @ ("then" | "else" | "elif" | "fi" | "do" | "done" | "in" | "}" | "esac")) => {
                return Err(ParseError::Unexpected(w.to_string()));
            }
            Some("case") => return Err(ParseError::Unexpected("case".into())),
            _ => {}
        }
        if self.peek() == Some('(') {
            self.i += 1;
            let body = self.list(&[])?;
            self.skip_blank_and_newlines()?;
            if self.peek() != Some(')') {
                return Err(if self.i >= self.s.len() {
                    ParseError::Incomplete(Incomplete::Paren)
                } else {
                    ParseError::Unexpected(self.peek_token_text())
                });
            }
            self.i += 1;
            let redirects = self.redirects_after()?;
            return Ok(Command::Group(body, redirects));
        }
        self.simple()
    }

    fn redirects_after(&mut self) -> Result<Vec<Redirect>, ParseError> {
        let mut out = Vec::new();
        loop {
            self.skip_blank();
            match self.redirect()? {
                Some(r) => out.push(r),
                None => return Ok(out),
            }
        }
    }

    fn for_loop(&mut self) -> Result<Command, ParseError> {
        self.skip_blank();
        let var = self.name();
        if var.is_empty() {
            return Err(if self.i >= self.s.len() {
                ParseError::Incomplete(Incomplete::Keyword("do"))
            } else {
                ParseError::Unexpected(self.peek_token_text())
            });
        }
        self.skip_blank();
        let mut words = None;
        if self.reserved_here().as_deref() == Some("in") {
            self.i += 2;
            let mut ws = Vec::new();
            loop {
                self.skip_blank();
                match self.peek() {
                    None => return Err(ParseError::Incomplete(Incomplete::Keyword("do"))),
                    Some(';' | '\n') => break,
                    _ => ws.push(self.word()?.ok_or_else(|| ParseError::Unexpected(self.peek_token_text()))?),
                }
            }
            words = Some(ws);
        }
        self.skip_blank();
        if self.peek() == Some(';') {
            self.i += 1;
        }
        self.expect_reserved("do")?;
        let body = self.list(&["done"])?;
        self.expect_reserved("done")?;
        Ok(Command::For { var, words, body })
    }

    fn if_clause(&mut self) -> Result<Command, ParseError> {
        let mut branches = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.list(&["then"])?;
            self.expect_reserved("then")?;
            let body = self.list(&["elif", "else", "fi"])?;
            branches.push((cond, body));
            self.skip_blank_and_newlines()?;
            match self.reserved_here().as_deref() {
                Some("elif") => {
                    self.i += 4;
                }
                Some("else") => {
                    self.i += 4;
                    otherwise = Some(self.list(&["fi"])?);
                    self.expect_reserved("fi")?;
                    break;
                }
                Some("fi") => {
                    self.i += 2;
                    break;
                }
                _ if self.i >= self.s.len() => return Err(ParseError::Incomplete(Incomplete::Keyword("fi"))),
                _ => return Err(ParseError::Unexpected(self.peek_token_text())),
            }
        }
        Ok(Command::If { branches, otherwise })
    }

    fn name(&mut self) -> String {
        let mut n = String::new();
        while let Some(c) = self.peek().filter(|c| c.is_ascii_alphanumeric() || *c == '_') {
            if n.is_empty() && c.is_ascii_digit() {
                break;
            }
            n.push(c);
            self.i += 1;
        }
        n
    }

    fn simple(&mut self) -> Result<Command, ParseError> {
        let mut cmd = Simple::default();
        loop {
            self.skip_blank();
            if let Some(r) = self.redirect()? {
                cmd.redirects.push(r);
                continue;
            }
            match self.peek() {
                None | Some('\n' | ';' | '&' | '|' | ')') => break,
                Some('(') => return Err(ParseError::Unexpected("(".into())),
                _ => {}
            }
            // `NAME=value` before the command's name is an assignment.
            if cmd.words.is_empty()
                && let Some((name, value)) = self.assignment()?
            {
                cmd.assignments.push((name, value));
                continue;
            }
            match self.word()? {
                Some(w) => cmd.words.push(w),
                None => break,
            }
        }
        if cmd.words.is_empty() && cmd.assignments.is_empty() && cmd.redirects.is_empty() {
            return Err(if self.i >= self.s.len() {
                ParseError::Incomplete(Incomplete::Operator("command".into()))
            } else {
                ParseError::Unexpected(self.peek_token_text())
            });
        }
        Ok(Command::Simple(cmd))
    }

    fn assignment(&mut self) -> Result<Option<(String, Word)>, ParseError> {
        let save = self.i;
        let name = self.name();
        if name.is_empty() || self.peek() != Some('=') {
            self.i = save;
            return Ok(None);
        }
        self.i += 1;
        let value = match self.peek() {
            None | Some(' ' | '\t' | '\n' | ';' | '&' | '|' | ')') => Word::default(),
            _ => self.word()?.unwrap_or_default(),
        };
        Ok(Some((name, value)))
    }

    /// A redirection at the cursor (`>f`, `2>&1`, `<<EOF`), if there is one.
    fn redirect(&mut self) -> Result<Option<Redirect>, ParseError> {
        let save = self.i;
        let mut fd: Option<u8> = None;
        if let Some(d) = self.peek().filter(char::is_ascii_digit)
            && matches!(self.peek_at(1), Some('<' | '>'))
        {
            fd = Some(d as u8 - b'0');
            self.i += 1;
        }
        let (op, default_fd, len) = if self.starts_with("&>>") {
            (RedirOp::Append, 3, 3)
        } else if self.starts_with("&>") {
            (RedirOp::Out, 3, 2)
        } else if self.starts_with(">>") {
            (RedirOp::Append, 1, 2)
        } else if self.starts_with(">&") {
            (RedirOp::Dup, 1, 2)
        } else if self.starts_with(">|") {
            (RedirOp::Out, 1, 2)
        } else if self.starts_with(">") {
            (RedirOp::Out, 1, 1)
        } else if self.starts_with("<<<") {
            (RedirOp::Here, 0, 3)
        } else if self.starts_with("<<") {
            (RedirOp::Here, 0, 2)
        } else if self.starts_with("<&") {
            (RedirOp::Dup, 0, 2)
        } else if self.starts_with("<") {
            (RedirOp::In, 0, 1)
        } else {
            self.i = save;
            return Ok(None);
        };
        let heredoc = self.starts_with("<<") && !self.starts_with("<<<");
        self.i += len;
        let strip_tabs = heredoc && self.peek() == Some('-');
        if strip_tabs {
            self.i += 1;
        }
        self.skip_blank();
        let Some(target) = self.word()? else {
            return Err(if self.i >= self.s.len() {
                ParseError::Unexpected("newline".into())
            } else {
                ParseError::Unexpected(self.peek_token_text())
            });
        };
        let fd = fd.unwrap_or(default_fd);
        if heredoc {
            let quoted = target.parts.iter().any(|p| matches!(p, Part::Quoted(_) | Part::Double(_)));
            let delimiter = literal_text(&target);
            let slot = self.next_slot;
            self.next_slot += 1;
            self.heredocs.push(PendingHereDoc { delimiter, strip_tabs, quoted, slot });
            let mark = Word { parts: vec![Part::Lit(format!("{HEREDOC_MARK}{slot}"))] };
            return Ok(Some(Redirect { fd, op: RedirOp::Here, target: mark }));
        }
        Ok(Some(Redirect { fd, op, target }))
    }

    /// One word, or None at a metacharacter.
    fn word(&mut self) -> Result<Option<Word>, ParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let flush = |lit: &mut String, parts: &mut Vec<Part>| {
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(lit)));
            }
        };
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')' => break,
                '\\' => {
                    self.i += 1;
                    match self.peek() {
                        None => return Err(ParseError::Incomplete(Incomplete::Operator("\\".into()))),
                        Some('\n') => self.i += 1,
                        Some(n) => {
                            flush(&mut lit, &mut parts);
                            parts.push(Part::Quoted(n.to_string()));
                            self.i += 1;
                        }
                    }
                }
                '\'' => {
                    self.i += 1;
                    let start = self.i;
                    while self.peek().is_some_and(|c| c != '\'') {
                        self.i += 1;
                    }
                    if self.i >= self.s.len() {
                        return Err(ParseError::Incomplete(Incomplete::Quote('\'')));
                    }
                    flush(&mut lit, &mut parts);
                    parts.push(Part::Quoted(self.s[start..self.i].iter().collect()));
                    self.i += 1;
                }
                '"' => {
                    self.i += 1;
                    flush(&mut lit, &mut parts);
                    parts.push(Part::Double(self.double_quoted()?));
                }
                '$' => {
                    flush(&mut lit, &mut parts);
                    match self.dollar()? {
                        Some(p) => parts.push(p),
                        None => lit.push('$'),
                    }
                }
                '`' => {
                    flush(&mut lit, &mut parts);
                    parts.push(self.backquote()?);
                }
                c => {
                    lit.push(c);
                    self.i += 1;
                }
            }
        }
        flush(&mut lit, &mut parts);
        Ok(if parts.is_empty() { None } else { Some(Word { parts }) })
    }

    fn double_quoted(&mut self) -> Result<Vec<Part>, ParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.peek() else { return Err(ParseError::Incomplete(Incomplete::Quote('"'))) };
            match c {
                '"' => {
                    self.i += 1;
                    break;
                }
                '\\' => match self.peek_at(1) {
                    Some(n @ ('$' | '`' | '"' | '\\')) => {
                        lit.push(n);
                        self.i += 2;
                    }
                    Some('\n') => self.i += 2,
                    Some(_) => {
                        lit.push('\\');
                        self.i += 1;
                    }
                    None => return Err(ParseError::Incomplete(Incomplete::Quote('"'))),
                },
                '$' => match self.dollar()? {
                    Some(p) => {
                        if !lit.is_empty() {
                            parts.push(Part::Quoted(std::mem::take(&mut lit)));
                        }
                        parts.push(p);
                    }
                    None => lit.push('$'),
                },
                '`' => {
                    if !lit.is_empty() {
                        parts.push(Part::Quoted(std::mem::take(&mut lit)));
                    }
                    parts.push(self.backquote()?);
                }
                c => {
                    lit.push(c);
                    self.i += 1;
                }
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Quoted(lit));
        }
        Ok(parts)
    }

    /// After `$`: a parameter, `${…}`, `$(…)` or `$((…))`; None for a lone `$`.
    fn dollar(&mut self) -> Result<Option<Part>, ParseError> {
        self.i += 1;
        match self.peek() {
            Some('(') if self.peek_at(1) == Some('(') => {
                self.i += 2;
                let start = self.i;
                let mut depth = 0;
                loop {
                    match self.peek() {
                        None => return Err(ParseError::Incomplete(Incomplete::Paren)),
                        Some('(') => depth += 1,
                        Some(')') if depth > 0 => depth -= 1,
                        Some(')') if self.peek_at(1) == Some(')') => break,
                        _ => {}
                    }
                    self.i += 1;
                }
                let expr: String = self.s[start..self.i].iter().collect();
                self.i += 2;
                Ok(Some(Part::Arith(expr)))
            }
            Some('(') => {
                self.i += 1;
                let script = self.list(&[])?;
                self.skip_blank_and_newlines()?;
                if self.peek() != Some(')') {
                    return Err(if self.i >= self.s.len() {
                        ParseError::Incomplete(Incomplete::Paren)
                    } else {
                        ParseError::Unexpected(self.peek_token_text())
                    });
                }
                self.i += 1;
                Ok(Some(Part::Command(script)))
            }
            Some('{') => {
                self.i += 1;
                let length = self.peek() == Some('#') && self.peek_at(1).is_some_and(|c| c != '}');
                if length {
                    self.i += 1;
                }
                let mut name = self.name();
                if name.is_empty()
                    && let Some(c) = self.peek().filter(|c| "?#$!@*-0123456789".contains(*c))
                {
                    name.push(c);
                    self.i += 1;
                }
                let mut op = None;
                if self.peek() != Some('}') {
                    let mut o = String::new();
                    for candidate in [":-", ":=", ":+", ":?", "##", "%%", "-", "=", "+", "?", "#", "%"] {
                        if self.starts_with(candidate) {
                            o = candidate.to_string();
                            break;
                        }
                    }
                    if o.is_empty() {
                        return Err(ParseError::Unexpected("bad substitution".into()));
                    }
                    self.i += o.len();
                    let word = self.braced_word()?;
                    op = Some((o, word));
                }
                if self.peek() != Some('}') {
                    return Err(ParseError::Incomplete(Incomplete::Quote('}')));
                }
                self.i += 1;
                Ok(Some(Part::Param(Param { name, op, length })))
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let name = self.name();
                Ok(Some(Part::Param(Param { name, op: None, length: false })))
            }
            Some(c) if "?#$!@*-0123456789".contains(c) => {
                self.i += 1;
                Ok(Some(Part::Param(Param { name: c.to_string(), op: None, length: false })))
            }
            _ => Ok(None),
        }
    }

    /// The word inside `${NAME:-word}`, up to the closing brace.
    fn braced_word(&mut self) -> Result<Word, ParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.peek() else { return Err(ParseError::Incomplete(Incomplete::Quote('}'))) };
            match c {
                '}' => break,
                '$' => {
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    match self.dollar()? {
                        Some(p) => parts.push(p),
                        None => lit.push('$'),
                    }
                }
                '"' => {
                    self.i += 1;
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Double(self.double_quoted()?));
                }
                '\'' => {
                    self.i += 1;
                    let start = self.i;
                    while self.peek().is_some_and(|c| c != '\'') {
                        self.i += 1;
                    }
                    if self.i >= self.s.len() {
                        return Err(ParseError::Incomplete(Incomplete::Quote('\'')));
                    }
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Quoted(self.s[start..self.i].iter().collect()));
                    self.i += 1;
                }
                c => {
                    lit.push(c);
                    self.i += 1;
                }
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Word { parts })
    }

    fn backquote(&mut self) -> Result<Part, ParseError> {
        self.i += 1;
        let mut inner = String::new();
        loop {
            match self.peek() {
                None => return Err(ParseError::Incomplete(Incomplete::Quote('`'))),
                Some('`') => {
                    self.i += 1;
                    break;
                }
                Some('\\') if matches!(self.peek_at(1), Some('`' | '\\' | '$')) => {
                    inner.push(self.peek_at(1).unwrap_or('\\'));
                    self.i += 2;
                }
                Some(c) => {
                    inner.push(c);
                    self.i += 1;
                }
            }
        }
        if self.depth >= MAX_DEPTH {
            return Err(ParseError::TooDeep);
        }
        let mut p = Parser::new(&inner, self.depth + 1);
        let mut script = p.list(&[])?;
        let bodies = std::mem::take(&mut p.bodies);
        fill_script(&mut script, &bodies)?;
        Ok(Part::Command(script))
    }
}

/// The text of a word with its quotes removed and nothing expanded (a here-document delimiter).
fn literal_text(w: &Word) -> String {
    let mut s = String::new();
    for p in &w.parts {
        match p {
            Part::Lit(t) | Part::Quoted(t) => s.push_str(t),
            Part::Double(inner) => s.push_str(&literal_text(&Word { parts: inner.clone() })),
            Part::Param(p) => {
                s.push('$');
                s.push_str(&p.name);
            }
            _ => {}
        }
    }
    s
}
