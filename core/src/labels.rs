//! Label selectors: parsing (`kubectl -l`), structured selectors (matchLabels, matchExpressions),
//! matching and canonical form, after `k8s.io/apimachinery/pkg/labels`.

use std::collections::BTreeMap;
use std::fmt;

use crate::api::meta::{LabelSelector, Labels};

/// A selector: requirements that must all hold. The empty selector matches everything.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Selector {
    reqs: Vec<Requirement>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Requirement {
    pub key: String,
    pub op: Op,
    /// Sorted, as Kubernetes keeps them (so the canonical form is stable).
    pub values: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

impl Selector {
    /// Everything matches.
    pub fn everything() -> Selector {
        Selector::default()
    }

    /// `labels.SelectorFromSet`: each pair must be present with that value.
    pub fn from_map(map: &Labels) -> Selector {
        let mut reqs: Vec<Requirement> =
            map.iter().map(|(k, v)| Requirement { key: k.clone(), op: Op::Equals, values: vec![v.clone()] }).collect();
        reqs.sort_by(|a, b| a.key.cmp(&b.key));
        Selector { reqs }
    }

    /// `metav1.LabelSelectorAsSelector`. A selector with neither matchLabels nor matchExpressions
    /// matches everything (callers that need "nothing" for an empty selector check that first).
    pub fn from_label_selector(ls: &LabelSelector) -> Result<Selector, String> {
        let mut reqs: Vec<Requirement> = ls
            .match_labels
            .iter()
            .map(|(k, v)| Requirement { key: k.clone(), op: Op::Equals, values: vec![v.clone()] })
            .collect();
        for e in &ls.match_expressions {
            let op = match e.operator.as_str() {
                "In" => Op::In,
                "NotIn" => Op::NotIn,
                "Exists" => Op::Exists,
                "DoesNotExist" => Op::DoesNotExist,
                other => return Err(format!("{other:?} is not a valid label selector operator")),
            };
            let mut values = e.values.clone();
            values.sort();
            values.dedup();
            reqs.push(Requirement { key: e.key.clone(), op, values });
        }
        reqs.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Selector { reqs })
    }

    /// Parses a selector string as `labels.Parse` does (the syntax of `kubectl get -l`).
    pub fn parse(text: &str) -> Result<Selector, String> {
        let tokens = lex(text)?;
        let mut p = Parser { tokens, pos: 0 };
        let mut reqs = Vec::new();
        loop {
            match p.peek() {
                Tok::End => break,
                Tok::Comma if reqs.is_empty() => {
                    return Err("found ',', expected: !, identifier, or 'end of string'".into());
                }
                _ => {}
            }
            reqs.push(p.requirement()?);
            match p.next() {
                Tok::End => break,
                Tok::Comma => {
                    if p.peek() == &Tok::End {
                        return Err("found '', expected: identifier after ','".into());
                    }
                }
                t => return Err(format!("found '{t}', expected: ',' or 'end of string'")),
            }
        }
        reqs.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Selector { reqs })
    }

    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    pub fn requirements(&self) -> &[Requirement] {
        &self.reqs
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.reqs.iter().all(|r| r.matches(labels))
    }

    /// The `key=value` pairs every match must carry: what an index can look up to narrow the
    /// candidates before matching the rest.
    /// How many requirements the selector has (`required_pairs` covers them all when it yields
    /// as many: an index lookup on each pair is then the whole match).
    pub fn len(&self) -> usize {
        self.reqs.len()
    }

    pub fn required_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.reqs.iter().filter_map(|r| match r.op {
            Op::Equals | Op::DoubleEquals | Op::In if r.values.len() == 1 => {
                Some((r.key.as_str(), r.values[0].as_str()))
            }
            _ => None,
        })
    }
}

impl Requirement {
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.op {
            Op::Equals | Op::DoubleEquals | Op::In => value.is_some_and(|v| self.values.contains(v)),
            Op::NotEquals | Op::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Op::Exists => value.is_some(),
            Op::DoesNotExist => value.is_none(),
            Op::GreaterThan | Op::LessThan => {
                let (Some(v), Some(bound)) = (value, self.values.first()) else {
                    return false;
                };
                let (Ok(v), Ok(bound)) = (v.parse::<i64>(), bound.parse::<i64>()) else {
                    return false;
                };
                if self.op == Op::GreaterThan { v > bound } else { v < bound }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = &self.key;
        match self.op {
            Op::Equals => write!(f, "{k}={}", self.values.join(",")),
            Op::DoubleEquals => write!(f, "{k}=={}", self.values.join(",")),
            Op::NotEquals => write!(f, "{k}!={}", self.values.join(",")),
            Op::In => write!(f, "{k} in ({})", self.values.join(",")),
            Op::NotIn => write!(f, "{k} notin ({})", self.values.join(",")),
            Op::Exists => write!(f, "{k}"),
            Op::DoesNotExist => write!(f, "!{k}"),
            Op::GreaterThan => write!(f, "{k}>{}", self.values.join(",")),
            Op::LessThan => write!(f, "{k}<{}", self.values.join(",")),
        }
    }
}

/// The canonical form Kubernetes prints (`Selector.String()`): requirements sorted by key.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.reqs.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// `app=backend,tier=web`: how kubectl prints a map selector (the SELECTOR column).
pub fn format_map(map: &BTreeMap<String, String>) -> String {
    map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

#[derive(Clone, PartialEq, Eq, Debug)]
enum Tok {
    Ident(String),
    Eq,
    DoubleEq,
    NotEq,
    In,
    NotIn,
    Bang,
    Gt,
    Lt,
    Open,
    Close,
    Comma,
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Tok::Ident(s) => s.as_str(),
            Tok::Eq => "=",
            Tok::DoubleEq => "==",
            Tok::NotEq => "!=",
            Tok::In => "in",
            Tok::NotIn => "notin",
            Tok::Bang => "!",
            Tok::Gt => ">",
            Tok::Lt => "<",
            Tok::Open => "(",
            Tok::Close => ")",
            Tok::Comma => ",",
            Tok::End => "",
        };
        f.write_str(s)
    }
}

fn is_special(c: char) -> bool {
    matches!(c, '=' | '!' | '(' | ')' | ',' | '>' | '<')
}

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if is_special(c) {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let (tok, n) = match two.as_str() {
                "==" => (Tok::DoubleEq, 2),
                "!=" => (Tok::NotEq, 2),
                _ => match c {
                    '=' => (Tok::Eq, 1),
                    '!' => (Tok::Bang, 1),
                    '(' => (Tok::Open, 1),
                    ')' => (Tok::Close, 1),
                    ',' => (Tok::Comma, 1),
                    '>' => (Tok::Gt, 1),
                    _ => (Tok::Lt, 1),
                },
            };
            out.push(tok);
            i += n;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !is_special(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        out.push(match word.as_str() {
            "in" => Tok::In,
            "notin" => Tok::NotIn,
            _ => Tok::Ident(word),
        });
    }
    out.push(Tok::End);
    Ok(out)
}

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.pos).unwrap_or(&Tok::End)
    }

    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        self.pos += 1;
        t
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        let bang = if self.peek() == &Tok::Bang {
            self.pos += 1;
            true
        } else {
            false
        };
        let key = match self.next() {
            Tok::Ident(k) => k,
            t => return Err(format!("found '{t}', expected: identifier")),
        };
        crate::validation::label_key(&key).map_err(|e| format!("invalid label key \"{key}\": {e}"))?;
        if bang {
            return Ok(Requirement { key, op: Op::DoesNotExist, values: vec![] });
        }
        let op = match self.peek() {
            Tok::Comma | Tok::End => return Ok(Requirement { key, op: Op::Exists, values: vec![] }),
            Tok::Eq => Op::Equals,
            Tok::DoubleEq => Op::DoubleEquals,
            Tok::NotEq => Op::NotEquals,
            Tok::In => Op::In,
            Tok::NotIn => Op::NotIn,
            Tok::Gt => Op::GreaterThan,
            Tok::Lt => Op::LessThan,
            t => {
                return Err(format!("found '{t}', expected: in, notin, =, ==, !=, gt, lt"));
            }
        };
        self.pos += 1;
        let mut values = match op {
            Op::In | Op::NotIn => self.value_set()?,
            _ => match self.peek().clone() {
                Tok::Ident(v) => {
                    self.pos += 1;
                    vec![v]
                }
                // `app=` selects an empty value, as labels.Parse allows.
                Tok::Comma | Tok::End => vec![String::new()],
                t => return Err(format!("found '{t}', expected: identifier")),
            },
        };
        for v in &values {
            if matches!(op, Op::GreaterThan | Op::LessThan) {
                if v.parse::<i64>().is_err() {
                    return Err(format!("for 'Gt', 'Lt' operators, the value must be an integer: {v:?}"));
                }
            } else {
                crate::validation::label_value(v).map_err(|e| format!("invalid label value: \"{v}\": {e}"))?;
            }
        }
        values.sort();
        values.dedup();
        Ok(Requirement { key, op, values })
    }

    fn value_set(&mut self) -> Result<Vec<String>, String> {
        match self.next() {
            Tok::Open => {}
            t => return Err(format!("found '{t}', expected: '('")),
        }
        let mut values = Vec::new();
        loop {
            match self.next() {
                Tok::Ident(v) => values.push(v),
                Tok::Close if values.is_empty() => return Ok(vec![String::new()]),
                t => return Err(format!("found '{t}', expected: ',', ')' or identifier")),
            }
            match self.next() {
                Tok::Comma => continue,
                Tok::Close => return Ok(values),
                t => return Err(format!("found '{t}', expected: ',' or ')'")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Matching, case by case after apimachinery's labels/selector_test.go (TestSelectorMatches):
    /// absent labels match `!=` and `notin`.
    #[test]
    fn selector_matching_follows_apimachinery() {
        let l = labels(&[("app", "backend"), ("tier", "web"), ("gen", "3")]);
        let yes = [
            "",
            "app=backend",
            "app==backend",
            "app!=frontend",
            "missing!=x",
            "app in (backend,x)",
            "app notin (frontend)",
            "missing notin (a)",
            "app",
            "!missing",
            "gen>2",
            "gen<4",
            "app=backend,tier=web",
        ];
        let no = [
            "app=frontend",
            "app!=backend",
            "app in (x,y)",
            "app notin (backend)",
            "missing",
            "!app",
            "gen>3",
            "gen<3",
            "app>1",
            "app=backend,tier=db",
        ];
        for s in yes {
            assert!(Selector::parse(s).unwrap().matches(&l), "{s} should match");
        }
        for s in no {
            assert!(!Selector::parse(s).unwrap().matches(&l), "{s} should not match");
        }
    }

    /// `Requirements` sort by key alone (`ByKey`), so `!old` sits between `app` and `tier`.
    #[test]
    fn canonical_form_sorts_keys_and_values() {
        let s = Selector::parse("tier in (web, api),app=backend,!old").unwrap();
        assert_eq!(s.to_string(), "app=backend,!old,tier in (api,web)");
    }

    #[test]
    fn parse_errors_name_what_was_found() {
        for (text, want) in [
            ("app in backend", "found 'backend', expected: '('"),
            ("app in (a", "found '', expected: ',' or ')'"),
            ("=x", "found '=', expected: identifier"),
            ("a=b c=d", "found 'c', expected: ',' or 'end of string'"),
            ("gen>x", "the value must be an integer"),
            ("a=b,", "expected: identifier after ','"),
        ] {
            let err = Selector::parse(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn match_expressions_convert() {
        let ls = LabelSelector {
            match_labels: labels(&[("app", "db")]),
            match_expressions: vec![crate::api::meta::LabelSelectorRequirement {
                key: "role".into(),
                operator: "In".into(),
                values: vec!["primary".into(), "replica".into()],
            }],
        };
        let s = Selector::from_label_selector(&ls).unwrap();
        assert_eq!(s.to_string(), "app=db,role in (primary,replica)");
        assert!(s.matches(&labels(&[("app", "db"), ("role", "replica")])));
        assert!(!s.matches(&labels(&[("app", "db")])));
        let bad = LabelSelector {
            match_expressions: vec![crate::api::meta::LabelSelectorRequirement {
                key: "x".into(),
                operator: "Like".into(),
                values: vec![],
            }],
            ..Default::default()
        };
        assert!(Selector::from_label_selector(&bad).is_err());
    }
}
