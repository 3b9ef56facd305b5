//! Command-line flags as kubectl (cobra/pflag) reads them: `-o wide`, `-o=wide`, `-owide`,
//! `--output wide`, `--output=wide`, `--wait=false`, `--` ending the flags.

use std::collections::BTreeMap;

/// A flag a verb understands.
#[derive(Clone, Copy, Debug)]
pub struct Flag {
    pub long: &'static str,
    pub short: Option<char>,
    pub takes_value: bool,
    /// The value a flag given bare takes (pflag's `NoOptDefVal`: `--cascade` means
    /// `--cascade=background`); a value then needs `=`.
    pub bare: Option<&'static str>,
}

pub const fn value(long: &'static str, short: Option<char>) -> Flag {
    Flag { long, short, takes_value: true, bare: None }
}

pub const fn boolean(long: &'static str, short: Option<char>) -> Flag {
    Flag { long, short, takes_value: false, bare: None }
}

/// A flag with a value that may also be given bare, meaning `bare`.
pub const fn optional(long: &'static str, bare: &'static str) -> Flag {
    Flag { long, short: None, takes_value: true, bare: Some(bare) }
}

/// Flags every kubectl verb takes.
pub const GLOBAL: &[Flag] =
    &[value("namespace", Some('n')), boolean("all-namespaces", Some('A')), boolean("help", Some('h'))];

#[derive(Clone, Debug, Default)]
pub struct Args {
    pub positional: Vec<String>,
    /// Words after `--`.
    pub rest: Vec<String>,
    values: BTreeMap<&'static str, Vec<String>>,
}

impl Args {
    /// Parses `words` against `flags` (plus [`GLOBAL`]). Errors read as pflag's.
    pub fn parse(words: &[String], flags: &[Flag]) -> Result<Args, String> {
        let all: Vec<Flag> = GLOBAL.iter().chain(flags).copied().collect();
        let mut out = Args::default();
        let mut i = 0;
        while i < words.len() {
            let w = &words[i];
            i += 1;
            if w == "--" {
                out.rest = words[i..].to_vec();
                break;
            }
            if let Some(body) = w.strip_prefix("--") {
                let (name, inline) = match body.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (body, None),
                };
                let Some(f) = all.iter().find(|f| f.long == name) else {
                    return Err(format!("unknown flag: --{name}"));
                };
                let v = if f.takes_value {
                    match inline {
                        Some(v) => v,
                        None if f.bare.is_some() => f.bare.unwrap_or_default().to_string(),
                        None if i < words.len() => {
                            i += 1;
                            words[i - 1].clone()
                        }
                        None => return Err(format!("flag needs an argument: --{name}")),
                    }
                } else {
                    let v = inline.unwrap_or_else(|| "true".into());
                    if v != "true" && v != "false" {
                        return Err(format!(
                            "invalid argument \"{v}\" for \"--{name}\" flag: strconv.ParseBool: parsing \"{v}\": invalid syntax"
                        ));
                    }
                    v
                };
                out.values.entry(f.long).or_default().push(v);
            } else if let Some(body) = w.strip_prefix('-').filter(|b| !b.is_empty()) {
                for (pos, c) in body.char_indices() {
                    let Some(f) = all.iter().find(|f| f.short == Some(c)) else {
                        return Err(format!("unknown shorthand flag: '{c}' in {w}"));
                    };
                    if f.takes_value {
                        let rest = &body[pos + c.len_utf8()..];
                        let v = if let Some(v) = rest.strip_prefix('=') {
                            v.to_string()
                        } else if !rest.is_empty() {
                            rest.to_string()
                        } else if i < words.len() {
                            i += 1;
                            words[i - 1].clone()
                        } else {
                            return Err(format!("flag needs an argument: '{c}' in {w}"));
                        };
                        out.values.entry(f.long).or_default().push(v);
                        break;
                    }
                    out.values.entry(f.long).or_default().push("true".into());
                }
            } else {
                out.positional.push(w.clone());
            }
        }
        Ok(out)
    }

    /// The last value given for a flag.
    pub fn get(&self, long: &str) -> Option<&str> {
        self.values.get(long).and_then(|v| v.last()).map(String::as_str)
    }

    /// Every value given for a repeatable flag (`-f a -f b`).
    pub fn all(&self, long: &str) -> &[String] {
        self.values.get(long).map_or(&[], Vec::as_slice)
    }

    /// A boolean flag: given without a value, or `=true`.
    pub fn flag(&self, long: &str) -> bool {
        self.get(long) == Some("true")
    }

    pub fn has(&self, long: &str) -> bool {
        self.values.contains_key(long)
    }

    /// An integer flag, with pflag's error for a bad value.
    pub fn int(&self, long: &str) -> Result<Option<i64>, String> {
        match self.get(long) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                format!(
                    "invalid argument \"{v}\" for \"--{long}\" flag: strconv.ParseInt: parsing \"{v}\": invalid syntax"
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        shlex::split(s).unwrap()
    }

    const F: &[Flag] =
        &[value("output", Some('o')), boolean("wait", None), value("grace-period", None), boolean("watch", Some('w'))];

    #[test]
    fn every_spelling_of_a_flag() {
        for line in ["-o wide", "-o=wide", "-owide", "--output wide", "--output=wide"] {
            let a = Args::parse(&words(line), F).unwrap();
            assert_eq!(a.get("output"), Some("wide"), "{line}");
        }
        let a = Args::parse(&words("pods x -n kube-system --wait=false -Aw"), F).unwrap();
        assert_eq!(a.positional, ["pods", "x"]);
        assert_eq!(a.get("namespace"), Some("kube-system"));
        assert!(!a.flag("wait") && a.has("wait"));
        assert!(a.flag("all-namespaces") && a.flag("watch"));
    }

    #[test]
    fn double_dash_ends_flags() {
        let a = Args::parse(&words("pod -- ls -l"), F).unwrap();
        assert_eq!(a.positional, ["pod"]);
        assert_eq!(a.rest, ["ls", "-l"]);
    }

    #[test]
    fn errors_read_as_pflag() {
        assert_eq!(Args::parse(&words("--nope"), F).unwrap_err(), "unknown flag: --nope");
        assert_eq!(Args::parse(&words("-x"), F).unwrap_err(), "unknown shorthand flag: 'x' in -x");
        assert_eq!(Args::parse(&words("-o"), F).unwrap_err(), "flag needs an argument: 'o' in -o");
        assert!(Args::parse(&words("--wait=maybe"), F).unwrap_err().contains("ParseBool"));
        let a = Args::parse(&words("--grace-period=abc"), F).unwrap();
        assert!(a.int("grace-period").unwrap_err().contains("ParseInt"));
    }
}
