//! A small POSIX shell, the one behind the console's lines and every container's `sh -c`: words
//! with quotes, `$NAME`, `${NAME:-default}`, `$(command)`, backquotes and `$((arithmetic))`;
//! assignments and `export`; `;`, `&&`, `||`, pipelines `|` and `!`; redirections (`>`, `>>`,
//! `<`, `2>`, `2>&1`, `&>`, here-documents `<<EOF`, here-strings `<<<`); `for`, `while`,
//! `until`, `if`/`elif`/`else`, `{ …; }` and `( … )`; `break` and `continue`. Globbing, functions
//! and job control are left out: it is a console, not a shell.
//!
//! The shell knows no program: what a command does is the [`Host`]'s (the console host runs
//! `kubectl` and `sim`; a container's host runs what its image holds). The builtins every sh has
//! (`echo`, `printf`, `export`, `test`, `cd`, …) and the text filters the Kubernetes
//! documentation pipes into (`grep`, `head`, `tail`, `wc`, `sort`, `uniq`, `cut`, `tr`, `base64`)
//! are here, shared by every host.
//!
//! A script is compiled to a flat program a [`Process`] steps through, so a container's command
//! can pause at `sleep` and go on when simulated time reaches it: its state is plain data
//! (a program counter, variables, loop positions), cloned with the cluster.
//!
//! Invariant: every run is bounded (steps, output, nesting), so no script hangs the console.

mod expand;
mod parse;
pub mod utils;
mod vm;

use std::collections::BTreeMap;

pub use parse::{Incomplete, ParseError};
pub use vm::{Process, Status};

use crate::time::SimDuration;

/// A parsed script: commands joined by `;`, `&&`, `||`, with their compound forms.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    pub(crate) items: Vec<AndOr>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Connector {
    And,
    Or,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pipeline {
    pub negate: bool,
    pub commands: Vec<Command>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Command {
    Simple(Simple),
    /// `{ list; }` or `( list )`, with the redirections after it.
    Group(Script, Vec<Redirect>),
    For {
        var: String,
        words: Option<Vec<Word>>,
        body: Script,
    },
    While {
        until: bool,
        cond: Script,
        body: Script,
    },
    If {
        branches: Vec<(Script, Script)>,
        otherwise: Option<Script>,
    },
}

#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct Simple {
    pub assignments: Vec<(String, Word)>,
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Redirect {
    /// The file descriptor redirected (1 for `>`, 0 for `<`, 2 for `2>`; 3 means both 1 and 2).
    pub fd: u8,
    pub op: RedirOp,
    pub target: Word,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RedirOp {
    Out,
    Append,
    In,
    /// `2>&1`, `>&2`: the target is a descriptor.
    Dup,
    /// A here-document or here-string: the target is the text itself.
    Here,
}

/// A word: parts that expand and join.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct Word {
    pub parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Part {
    /// Unquoted text (split into fields when it came from an expansion, not when written).
    Lit(String),
    /// Quoted text: never split.
    Quoted(String),
    /// Inside double quotes: expansions that are not split.
    Double(Vec<Part>),
    Param(Param),
    Command(Script),
    Arith(String),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Param {
    pub name: String,
    /// `${NAME:-word}` and friends: the operator (`:-`, `-`, `:=`, `=`, `:+`, `+`, `:?`, `?`,
    /// `#` for the length, `%`, `%%`, `#`, `##` trimming) and its word.
    pub op: Option<(String, Word)>,
    pub length: bool,
}

/// What a program printed and how it ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CmdOutput {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl CmdOutput {
    pub fn ok(stdout: impl Into<String>) -> Self {
        CmdOutput { stdout: stdout.into(), stderr: String::new(), code: 0 }
    }

    pub fn err(stderr: impl Into<String>, code: i32) -> Self {
        CmdOutput { stdout: String::new(), stderr: stderr.into(), code }
    }
}

/// Which shell's words a host answers in: busybox's ash or Debian's dash.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dialect {
    Busybox,
    Dash,
}

/// Where a shell runs: the console, or a container. The host runs programs and owns files.
pub trait Host {
    /// Runs a program that is not a shell builtin. `None` when there is no such program.
    fn run(&mut self, argv: &[String], env: &Env, stdin: &str) -> Option<CmdOutput>;
    /// Reads a file (for `<` and `cat`-like builtins).
    fn read(&mut self, path: &str) -> Result<String, String>;
    /// Writes a file (for `>` and `>>`).
    fn write(&mut self, path: &str, text: &str, append: bool) -> Result<(), String>;
    /// Time passes (`sleep` run where the host waits for it, such as a console line).
    fn sleep(&mut self, d: SimDuration);
    fn dialect(&self) -> Dialect;
    /// What the shell says of a command nobody has.
    fn not_found(&self, name: &str) -> CmdOutput {
        vm::not_found(self.dialect(), name)
    }
}

/// The shell's variables, and which of them programs see.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    pub vars: BTreeMap<String, String>,
    pub exported: std::collections::BTreeSet<String>,
    /// `$?`.
    pub status: i32,
    pub cwd: String,
}

impl Env {
    /// An environment whose variables are all exported (a container's, from its spec).
    pub fn exported(vars: impl IntoIterator<Item = (String, String)>) -> Env {
        let mut e = Env::default();
        for (k, v) in vars {
            e.exported.insert(k.clone());
            e.vars.insert(k, v);
        }
        e.cwd = "/".into();
        e
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The variables programs see, in name order.
    pub fn environ(&self) -> Vec<(String, String)> {
        self.vars.iter().filter(|(k, _)| self.exported.contains(*k)).map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// Parses a script. A script that a newline could still complete (an open quote, `for` without
/// `done`, a here-document without its end) is [`ParseError::Incomplete`].
pub fn parse(text: &str) -> Result<Script, ParseError> {
    parse::parse(text)
}

/// Runs a script to its end in `host`, each `sleep` waited for by the host. The whole run is
/// bounded: a script that would run on forever stops with an error (exit 124).
pub fn run(script: &Script, env: &mut Env, host: &mut dyn Host) -> CmdOutput {
    let mut p = Process::new(script, std::mem::take(env));
    let out = p.run_to_end(host);
    *env = p.env;
    out
}

/// Parses and runs `text` in `host`; a syntax error is reported as `sh` reports it (exit 2).
pub fn run_text(text: &str, env: &mut Env, host: &mut dyn Host) -> CmdOutput {
    match parse(text) {
        Ok(s) => run(&s, env, host),
        Err(e) => CmdOutput::err(format!("{}\n", e.message(host.dialect())), 2),
    }
}

/// Splits a script's text into commands a console runs one at a time: a command ends at the
/// end of a line unless the line leaves it open (quote, here-document, `for … do` without
/// `done`, trailing `\`, `|`, `&&`). Returns each command's text with the line it starts on.
pub fn commands(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut start = 0;
    for (i, line) in text.lines().enumerate() {
        if pending.is_empty() {
            start = i + 1;
        } else {
            pending.push('\n');
        }
        pending.push_str(line);
        match parse(&pending) {
            Err(ParseError::Incomplete(_)) => continue,
            _ => out.push((start, std::mem::take(&mut pending))),
        }
    }
    if !pending.is_empty() {
        out.push((start, pending));
    }
    out
}

/// Quotes a word for a shell line, as `printf %q` would need it (single quotes when needed).
pub fn quote(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host with a few programs and an in-memory disk.
    #[derive(Default)]
    struct TestHost {
        files: BTreeMap<String, String>,
        slept: i64,
        ran: Vec<Vec<String>>,
    }

    impl Host for TestHost {
        fn run(&mut self, argv: &[String], env: &Env, stdin: &str) -> Option<CmdOutput> {
            self.ran.push(argv.to_vec());
            match argv[0].as_str() {
                "kubectl" => Some(CmdOutput::ok("NAME    READY\nweb-0   1/1\nweb-1   1/1\n")),
                "printenv" => {
                    Some(CmdOutput::ok(env.environ().iter().map(|(k, v)| format!("{k}={v}\n")).collect::<String>()))
                }
                "cat" if argv.len() > 1 => Some(match self.files.get(&argv[1]) {
                    Some(t) => CmdOutput::ok(t.clone()),
                    None => CmdOutput::err(format!("cat: can't open '{}': No such file or directory\n", argv[1]), 1),
                }),
                "upper" => Some(CmdOutput::ok(stdin.to_uppercase())),
                _ => None,
            }
        }
        fn read(&mut self, path: &str) -> Result<String, String> {
            self.files.get(path).cloned().ok_or_else(|| "No such file or directory".to_string())
        }
        fn write(&mut self, path: &str, text: &str, append: bool) -> Result<(), String> {
            let f = self.files.entry(path.to_string()).or_default();
            if !append {
                f.clear();
            }
            f.push_str(text);
            Ok(())
        }
        fn sleep(&mut self, d: SimDuration) {
            self.slept += d.as_millis();
        }
        fn dialect(&self) -> Dialect {
            Dialect::Busybox
        }
    }

    fn sh(text: &str) -> (CmdOutput, TestHost, Env) {
        let mut host = TestHost::default();
        let mut env = Env::default();
        let out = run_text(text, &mut env, &mut host);
        (out, host, env)
    }

    // The shell lines of the Kubernetes documentation's tutorials (StatefulSet Basics, Learn
    // Kubernetes Basics modules 2-6, Connecting Applications with Services).
    #[test]
    fn the_tutorials_shell_lines() {
        let (out, _, env) = sh("export POD_NAME=\"$(echo web-0)\"\necho Name of the Pod: $POD_NAME");
        assert_eq!(out.stdout, "Name of the Pod: web-0\n");
        assert!(env.exported.contains("POD_NAME"));
        let (out, host, _) = sh("for i in 0 1; do kubectl exec \"web-$i\" -- sh -c 'hostname'; done");
        assert_eq!(host.ran.len(), 2);
        assert_eq!(host.ran[1], ["kubectl", "exec", "web-1", "--", "sh", "-c", "hostname"]);
        assert!(out.stdout.contains("web-0"));
        let (out, _, _) = sh("kubectl get pods | grep web-1");
        assert_eq!(out.stdout, "web-1   1/1\n");
        let (out, _, _) = sh("kubectl get pods | tail -n +2 | wc -l");
        assert_eq!(out.stdout, "2\n");
        let (out, _, _) = sh("kubectl scale x; kubectl scale y;");
        assert_eq!(out.code, 0);
        let (out, _, _) = sh("for p in 0 1 2; do echo -n \"web-$p\"; echo; done");
        assert_eq!(out.stdout, "web-0\nweb-1\nweb-2\n");
    }

    #[test]
    fn quoting_and_expansions() {
        let (out, _, _) = sh("X='a  b'; echo $X; echo \"$X\"; echo '$X'; echo ${X:-no} ${Y:-dflt} ${#X}");
        assert_eq!(out.stdout, "a b\na  b\n$X\na b dflt 4\n");
        let (out, _, _) = sh("echo $((2 + 3 * 4)) $(( (1+1) * 5 ))");
        assert_eq!(out.stdout, "14 10\n");
        let (out, _, _) = sh("echo `echo nested` \"$(echo \"in quotes\")\"");
        assert_eq!(out.stdout, "nested in quotes\n");
        let (out, _, _) = sh("V=file.tar.gz; echo ${V%.gz} ${V%%.*} ${V#*.} ${V##*.}");
        assert_eq!(out.stdout, "file.tar file tar.gz gz\n");
        let (out, _, _) = sh("FOO=bar printenv");
        assert_eq!(out.stdout, "FOO=bar\n", "a prefix assignment is exported to the command only");
    }

    #[test]
    fn control_flow() {
        let (out, _, _) = sh("false && echo no || echo yes; true && echo and");
        assert_eq!(out.stdout, "yes\nand\n");
        let (out, _, _) = sh("if [ 1 -gt 2 ]; then echo a; elif [ x = x ]; then echo b; else echo c; fi");
        assert_eq!(out.stdout, "b\n");
        let (out, _, _) = sh("i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done");
        assert_eq!(out.stdout, "0\n1\n2\n");
        let (out, _, _) = sh("for i in 1 2 3 4; do if [ $i = 3 ]; then break; fi; echo $i; done; echo after");
        assert_eq!(out.stdout, "1\n2\nafter\n");
        let (out, _, _) = sh("for i in 1 2 3; do [ $i = 2 ] && continue; echo $i; done");
        assert_eq!(out.stdout, "1\n3\n");
        let (out, _, _) = sh("! false; echo $?; exit 3; echo never");
        assert_eq!((out.stdout.as_str(), out.code), ("0\n", 3));
        let (out, _, _) = sh("{ echo a; echo b; } | upper");
        assert_eq!(out.stdout, "A\nB\n");
    }

    #[test]
    fn redirections_and_here_documents() {
        let (out, host, _) = sh("echo hello > /f; echo more >> /f; cat /f; cat /nope 2>/dev/null; echo $?");
        assert_eq!(host.files["/f"], "hello\nmore\n");
        assert_eq!(out.stdout, "hello\nmore\n1\n");
        let (out, _, _) = sh("cat /nope 2>&1 | upper");
        assert!(out.stdout.starts_with("CAT: CAN'T OPEN"), "{}", out.stdout);
        let (out, _, _) = sh("N=5\nupper <<EOF\nhello $N\nEOF\nupper <<'EOF'\nraw $N\nEOF");
        assert_eq!(out.stdout, "HELLO 5\nRAW $N\n");
        let (out, _, _) = sh("upper <<< 'a b'");
        assert_eq!(out.stdout, "A B\n");
        let (out, host, _) =
            sh("printf 'a\\nb\\n' > /l; while read x; do echo \"<$x>\"; done < /l; echo $(cat /l | wc -l)");
        assert_eq!(out.stdout, "<a>\n<b>\n2\n");
        assert_eq!(host.files["/l"], "a\nb\n");
    }

    #[test]
    fn filters() {
        let text = "b 2\na 10\nc 1\na 10\n";
        let f = |cmd: &str, args: &[&str]| {
            utils::filter(cmd, &args.iter().map(|s| s.to_string()).collect::<Vec<_>>(), text, &Env::default())
                .unwrap()
                .stdout
        };
        assert_eq!(f("sort", &[]), "a 10\na 10\nb 2\nc 1\n");
        assert_eq!(f("sort", &["-k2", "-n"]), "c 1\nb 2\na 10\na 10\n");
        assert_eq!(f("sort", &["-u"]), "a 10\nb 2\nc 1\n");
        assert_eq!(f("head", &["-2"]), "b 2\na 10\n");
        assert_eq!(f("tail", &["-n", "1"]), "a 10\n");
        assert_eq!(f("grep", &["-c", "a"]), "2\n");
        assert_eq!(f("grep", &["-v", "a"]), "b 2\nc 1\n");
        assert_eq!(f("grep", &["-E", "^(b|c) "]), "b 2\nc 1\n");
        assert_eq!(f("grep", &["1\\+"]), "a 10\nc 1\na 10\n", "BRE: \\+ is the operator");
        assert_eq!(f("grep", &["-A1", "b"]), "b 2\na 10\n");
        assert_eq!(f("wc", &["-l"]), "4\n");
        assert_eq!(f("uniq", &["-c"]), "      1 b 2\n      1 a 10\n      1 c 1\n      1 a 10\n");
        assert_eq!(f("cut", &["-d", " ", "-f2"]), "2\n10\n1\n10\n");
        assert_eq!(f("awk", &["{print $2}"]), "2\n10\n1\n10\n");
        assert_eq!(f("awk", &["NR>3 {print $1}"]), "a\n");
        assert_eq!(f("sed", &["s/a/A/"]), "b 2\nA 10\nc 1\nA 10\n");
        assert_eq!(f("tr", &["a-c", "A-C"]), "B 2\nA 10\nC 1\nA 10\n");
        let enc = utils::filter("base64", &[], "hello", &Env::default()).unwrap().stdout;
        assert_eq!(enc, "aGVsbG8=\n");
    }

    #[test]
    fn incomplete_scripts_wait_for_more_lines() {
        for t in [
            "echo 'open",
            "for i in 1 2; do",
            "if true; then echo",
            "cat <<EOF\nline",
            "echo a |",
            "echo a &&",
            "echo $(",
            "echo \\",
        ] {
            assert!(matches!(parse(t), Err(ParseError::Incomplete(_))), "{t}");
        }
        assert!(matches!(parse("done"), Err(ParseError::Unexpected(_))));
        assert!(matches!(parse("echo )"), Err(ParseError::Unexpected(_))));
        let cmds = commands("echo a\nfor i in 1 2\ndo echo $i\ndone\necho b");
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[1].0, 2);
    }

    #[test]
    fn sleep_pauses_a_process_and_everything_is_bounded() {
        let script = parse("echo start; sleep 10; echo end").unwrap();
        let mut p = Process::new(&script, Env::default());
        let mut host = TestHost::default();
        assert_eq!(p.step(&mut host, 1000, false), Status::Sleeping(SimDuration::seconds(10)));
        assert_eq!(p.stdout, "start\n");
        assert_eq!(p.step(&mut host, 1000, false), Status::Exited(0));
        assert_eq!(p.stdout, "start\nend\n");
        let (out, host, _) = sh("sleep 2; sleep 0.5");
        assert_eq!((out.code, host.slept), (0, 2500));
        let (out, _, _) = sh("while true; do :; done");
        assert_eq!(out.code, 124);
        let (out, _, _) = sh("while true; do echo yes; done");
        assert_eq!(out.code, 124);
        assert!(out.stdout.len() <= vm::MAX_OUTPUT + 16);
    }
}
