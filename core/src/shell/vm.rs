//! Running a script: compiled to a flat program, stepped by a [`Process`] whose state is plain
//! data, so a container's command can stop at `sleep` and go on later.

use std::sync::Arc;

use super::expand::Expander;
use super::{AndOr, CmdOutput, Command, Connector, Env, Host, Pipeline, RedirOp, Redirect, Script, Simple, Word};
use crate::time::SimDuration;

/// How a step of a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The step's budget ran out: there is more to do now.
    Busy,
    /// `sleep` at the top level: look again after this long.
    Sleeping(SimDuration),
    Exited(i32),
}

/// A bound on the instructions and commands one run may take (with what its command
/// substitutions and pipelines run), so a `while true` without `sleep` ends.
pub const MAX_STEPS: u64 = 200_000;
/// A bound on what a run may print.
pub const MAX_OUTPUT: usize = 4 << 20;
/// How deep command substitutions and nested groups may go.
const MAX_NESTING: usize = 32;

#[derive(Clone, Debug, PartialEq)]
enum Instr {
    Run(Box<Simple>),
    /// A pipeline of several stages, or a group with redirections: run to its end.
    Pipe(Vec<Command>),
    Group(Box<Script>, Vec<Redirect>),
    Negate,
    Jump(usize),
    JumpIfFail(usize),
    JumpIfOk(usize),
    SetStatus(i32),
    ForInit {
        var: String,
        words: Option<Vec<Word>>,
    },
    ForNext {
        var: String,
        end: usize,
    },
    /// `break`: drop this many for-loop frames and jump.
    Break {
        pops: usize,
        target: usize,
    },
    Continue {
        pops: usize,
        target: usize,
    },
}

/// A running script: where it is, its variables, what it has printed and not yet been read.
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    code: Arc<Vec<Instr>>,
    pc: usize,
    /// The values each enclosing `for` still has to give.
    loops: Vec<Vec<String>>,
    pub env: Env,
    /// `$0`, `$1` …
    pub args: Vec<String>,
    pub stdout: String,
    pub stderr: String,
    /// What the process reads on standard input (a pipeline stage's, a here-document's).
    pub stdin: String,
    steps: u64,
    depth: usize,
    exited: Option<i32>,
    /// Whether the script ended with `exit` rather than by running out of commands.
    pub called_exit: bool,
}

impl Process {
    pub fn new(script: &Script, env: Env) -> Process {
        let mut c = Compiler::default();
        c.list(script);
        Process {
            code: Arc::new(c.code),
            pc: 0,
            loops: Vec::new(),
            env,
            args: vec!["sh".into()],
            stdout: String::new(),
            stderr: String::new(),
            stdin: String::new(),
            steps: 0,
            depth: 0,
            exited: None,
            called_exit: false,
        }
    }

    fn nested(&self, script: &Script) -> Process {
        let mut p = Process::new(script, self.env.clone());
        p.args = self.args.clone();
        p.depth = self.depth + 1;
        p.steps = self.steps;
        p
    }

    /// Runs until the script exits, every `sleep` waited for by the host; what it printed.
    pub fn run_to_end(&mut self, host: &mut dyn Host) -> CmdOutput {
        loop {
            match self.step(host, u64::MAX, true) {
                Status::Exited(code) => {
                    return CmdOutput {
                        stdout: std::mem::take(&mut self.stdout),
                        stderr: std::mem::take(&mut self.stderr),
                        code,
                    };
                }
                Status::Busy | Status::Sleeping(_) => {}
            }
        }
    }

    /// Runs at most `budget` instructions; `wait_sleeps` makes `sleep` wait through the host
    /// instead of returning [`Status::Sleeping`].
    pub fn step(&mut self, host: &mut dyn Host, budget: u64, wait_sleeps: bool) -> Status {
        if let Some(code) = self.exited {
            return Status::Exited(code);
        }
        let mut left = budget;
        while self.pc < self.code.len() {
            if left == 0 {
                return Status::Busy;
            }
            left -= 1;
            self.steps += 1;
            if self.steps > MAX_STEPS || self.stdout.len() + self.stderr.len() > MAX_OUTPUT {
                self.stderr.push_str("sh: stopped: the script ran too long or printed too much\n");
                return self.exit(124);
            }
            let code = self.code.clone();
            let instr = &code[self.pc];
            self.pc += 1;
            match instr {
                Instr::Run(simple) => {
                    if let Some(flow) = self.simple(host, simple, wait_sleeps) {
                        match flow {
                            Flow::Exit(c) => {
                                self.called_exit = true;
                                return self.exit(c);
                            }
                            Flow::Sleep(d) => return Status::Sleeping(d),
                        }
                    }
                }
                Instr::Pipe(cmds) => {
                    if let Some(Flow::Exit(c)) = self.pipe(host, cmds) {
                        return self.exit(c);
                    }
                }
                Instr::Group(script, redirects) => {
                    if let Some(Flow::Exit(c)) = self.group(host, script, redirects) {
                        return self.exit(c);
                    }
                }
                Instr::Negate => self.env.status = i32::from(self.env.status == 0),
                Instr::Jump(t) => self.pc = *t,
                Instr::JumpIfFail(t) => {
                    if self.env.status != 0 {
                        self.pc = *t;
                    }
                }
                Instr::JumpIfOk(t) => {
                    if self.env.status == 0 {
                        self.pc = *t;
                    }
                }
                Instr::SetStatus(s) => self.env.status = *s,
                Instr::ForInit { words, .. } => {
                    let values = match words {
                        Some(ws) => {
                            let mut out = Vec::new();
                            for w in ws {
                                out.extend(self.expander(host).fields(w));
                            }
                            out
                        }
                        None => self.args.iter().skip(1).cloned().collect(),
                    };
                    self.loops.push(values.into_iter().rev().collect());
                }
                Instr::ForNext { var, end } => match self.loops.last_mut().and_then(Vec::pop) {
                    Some(v) => {
                        self.env.vars.insert(var.clone(), v);
                    }
                    None => {
                        self.loops.pop();
                        self.pc = *end;
                    }
                },
                Instr::Break { pops, target } | Instr::Continue { pops, target } => {
                    for _ in 0..*pops {
                        self.loops.pop();
                    }
                    self.pc = *target;
                }
            }
        }
        let status = self.env.status;
        self.exit(status)
    }

    fn exit(&mut self, code: i32) -> Status {
        self.exited = Some(code);
        self.env.status = code;
        Status::Exited(code)
    }

    /// Starts a new bound on the instructions the next step may take: a container's command
    /// that sleeps between steps lives as long as it likes, each step bounded.
    pub fn reset_budget(&mut self) {
        self.steps = 0;
    }

    pub fn exited(&self) -> Option<i32> {
        self.exited
    }

    fn expander<'a>(&'a mut self, host: &'a mut dyn Host) -> Expander<'a> {
        Expander { p: self, host }
    }

    /// Runs a nested script to its end (a command substitution, a pipeline stage, a group), its
    /// steps counted against this run.
    pub(super) fn run_nested(
        &mut self,
        host: &mut dyn Host,
        script: &Script,
        stdin: Option<String>,
    ) -> (CmdOutput, Env) {
        if self.depth >= MAX_NESTING {
            return (CmdOutput::err("sh: nesting too deep\n", 2), self.env.clone());
        }
        let mut p = self.nested(script);
        p.stdin = stdin.unwrap_or_default();
        let out = p.run_to_end(host);
        self.steps = p.steps;
        (out, p.env)
    }

    fn inherited_stdin(&self) -> String {
        self.stdin.clone()
    }

    fn pipe(&mut self, host: &mut dyn Host, cmds: &[Command]) -> Option<Flow> {
        let mut input = Some(self.inherited_stdin());
        let mut last = CmdOutput::default();
        for c in cmds {
            let script = Script {
                items: vec![AndOr { first: Pipeline { negate: false, commands: vec![c.clone()] }, rest: Vec::new() }],
            };
            let (out, _) = self.run_nested(host, &script, input.take());
            self.stderr.push_str(&out.stderr);
            input = Some(out.stdout.clone());
            last = out;
        }
        self.stdout.push_str(&last.stdout);
        self.env.status = last.code;
        None
    }

    fn group(&mut self, host: &mut dyn Host, script: &Script, redirects: &[Redirect]) -> Option<Flow> {
        let stdin = self.input_of(host, redirects).unwrap_or_else(|| self.inherited_stdin());
        let (out, env) = self.run_nested(host, script, Some(stdin));
        self.env = Env { status: out.code, ..env };
        self.write_outputs(host, redirects, out);
        None
    }

    fn simple(&mut self, host: &mut dyn Host, cmd: &Simple, wait_sleeps: bool) -> Option<Flow> {
        let mut argv = Vec::new();
        for w in &cmd.words {
            argv.extend(self.expander(host).fields(w));
        }
        let mut assigned = Vec::new();
        for (name, value) in &cmd.assignments {
            let v = self.expander(host).string(value);
            assigned.push((name.clone(), v));
        }
        let Some(name) = argv.first().cloned() else {
            // Assignments alone set the shell's variables; a substitution's status is the line's.
            for (k, v) in assigned {
                self.env.vars.insert(k, v);
            }
            self.write_outputs(host, &cmd.redirects, CmdOutput::default());
            return None;
        };
        let redirected = self.input_of(host, &cmd.redirects);
        let mut env = self.env.clone();
        for (k, v) in &assigned {
            env.vars.insert(k.clone(), v.clone());
            env.exported.insert(k.clone());
        }
        if let Some(r) = super::utils::reader(self, &name, &argv, redirected.as_deref()) {
            self.env.status = r.code;
            self.write_outputs(host, &cmd.redirects, r);
            return None;
        }
        let stdin = redirected.unwrap_or_else(|| self.inherited_stdin());
        // `/bin/echo`, `/usr/bin/printf`: the standard directories hold the same programs.
        let program = match name.rsplit_once('/') {
            Some(("/bin" | "/usr/bin" | "/sbin" | "/usr/sbin" | "/usr/local/bin", base)) => base,
            _ => name.as_str(),
        };
        let out = match super::utils::builtin(self, host, program, &argv, &stdin) {
            Some(Builtin::Done(out)) => out,
            Some(Builtin::Exit(code)) => return Some(Flow::Exit(code)),
            Some(Builtin::Sleep(d)) => {
                self.env.status = 0;
                if wait_sleeps || self.depth > 0 {
                    host.sleep(d);
                    CmdOutput::default()
                } else {
                    return Some(Flow::Sleep(d));
                }
            }
            None => match host.run(&argv, &env, &stdin) {
                Some(out) => out,
                None => match super::utils::filter(&name, &argv[1..], &stdin, &env) {
                    Some(out) => out,
                    None => host.not_found(&name),
                },
            },
        };
        self.env.status = out.code;
        self.write_outputs(host, &cmd.redirects, out);
        None
    }

    /// The standard input the redirections give (`< file`, a here-document), if any.
    fn input_of(&mut self, host: &mut dyn Host, redirects: &[Redirect]) -> Option<String> {
        let mut input = None;
        for r in redirects.iter().filter(|r| r.fd == 0) {
            match r.op {
                RedirOp::In => {
                    let path = self.expander(host).string(&r.target);
                    match host.read(&path) {
                        Ok(t) => input = Some(t),
                        Err(e) => {
                            self.stderr.push_str(&format!("sh: can't open {path}: {e}\n"));
                            input = Some(String::new());
                        }
                    }
                }
                RedirOp::Here => {
                    let mut text = self.expander(host).string(&r.target);
                    // A here-string gets the newline a here-document's last line has.
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                    input = Some(text);
                }
                _ => {}
            }
        }
        input
    }

    /// Sends a command's output where its redirections say: files, the other stream, or on.
    fn write_outputs(&mut self, host: &mut dyn Host, redirects: &[Redirect], out: CmdOutput) {
        let CmdOutput { mut stdout, mut stderr, .. } = out;
        for r in redirects.iter().filter(|r| r.fd != 0) {
            let target = self.expander(host).string(&r.target);
            match r.op {
                RedirOp::Dup => match (r.fd, target.as_str()) {
                    (2, "1") => {
                        stdout.push_str(&stderr);
                        stderr.clear();
                    }
                    (1, "2") => {
                        stderr.push_str(&stdout);
                        stdout.clear();
                    }
                    _ => {}
                },
                RedirOp::Out | RedirOp::Append => {
                    let append = r.op == RedirOp::Append;
                    let text = match r.fd {
                        1 => std::mem::take(&mut stdout),
                        2 => std::mem::take(&mut stderr),
                        _ => {
                            let mut both = std::mem::take(&mut stdout);
                            both.push_str(&std::mem::take(&mut stderr));
                            both
                        }
                    };
                    if target == "/dev/null" {
                        continue;
                    }
                    if let Err(e) = host.write(&target, &text, append) {
                        self.stderr.push_str(&e);
                        if !e.ends_with('\n') {
                            self.stderr.push('\n');
                        }
                        self.env.status = 1;
                    }
                }
                _ => {}
            }
        }
        self.stdout.push_str(&stdout);
        self.stderr.push_str(&stderr);
    }
}

/// What a builtin did.
pub(super) enum Builtin {
    Done(CmdOutput),
    Exit(i32),
    Sleep(SimDuration),
}

enum Flow {
    Exit(i32),
    Sleep(SimDuration),
}

/// How the shell says a command is missing, in its dialect.
pub(super) fn not_found(dialect: super::Dialect, name: &str) -> CmdOutput {
    match dialect {
        super::Dialect::Busybox => CmdOutput::err(format!("sh: {name}: not found\n"), 127),
        super::Dialect::Dash => CmdOutput::err(format!("sh: 1: {name}: not found\n"), 127),
    }
}

/// Compiles a script to the flat program a process steps through.
#[derive(Default)]
struct Compiler {
    code: Vec<Instr>,
    /// For each enclosing loop: whether it keeps a `for` frame, and where `continue` and `break`
    /// go (`usize::MAX` while not yet known; patched at the loop's end).
    loops: Vec<LoopCtx>,
}

struct LoopCtx {
    is_for: bool,
    head: usize,
    breaks: Vec<usize>,
}

impl Compiler {
    fn list(&mut self, s: &Script) {
        for item in &s.items {
            self.and_or(item);
        }
    }

    fn and_or(&mut self, a: &AndOr) {
        self.pipeline(&a.first);
        for (conn, p) in &a.rest {
            let at = self.code.len();
            self.code.push(match conn {
                Connector::And => Instr::JumpIfFail(0),
                Connector::Or => Instr::JumpIfOk(0),
            });
            self.pipeline(p);
            let end = self.code.len();
            match &mut self.code[at] {
                Instr::JumpIfFail(t) | Instr::JumpIfOk(t) => *t = end,
                _ => {}
            }
        }
    }

    fn pipeline(&mut self, p: &Pipeline) {
        if p.commands.len() == 1 {
            self.command(&p.commands[0]);
        } else {
            self.code.push(Instr::Pipe(p.commands.clone()));
        }
        if p.negate {
            self.code.push(Instr::Negate);
        }
    }

    fn command(&mut self, c: &Command) {
        match c {
            Command::Simple(s) => {
                if let Some(flow) = self.loop_control(s) {
                    self.code.push(flow);
                } else {
                    self.code.push(Instr::Run(Box::new(s.clone())));
                }
            }
            Command::Group(body, redirects) if redirects.is_empty() => self.list(body),
            Command::Group(body, redirects) => self.code.push(Instr::Group(Box::new(body.clone()), redirects.clone())),
            Command::For { var, words, body } => {
                self.code.push(Instr::ForInit { var: var.clone(), words: words.clone() });
                let head = self.code.len();
                self.code.push(Instr::ForNext { var: var.clone(), end: usize::MAX });
                self.loops.push(LoopCtx { is_for: true, head, breaks: Vec::new() });
                self.list(body);
                self.code.push(Instr::Jump(head));
                let end = self.code.len();
                if let Instr::ForNext { end: e, .. } = &mut self.code[head] {
                    *e = end;
                }
                self.close_loop(end);
            }
            Command::While { until, cond, body } => {
                let head = self.code.len();
                self.loops.push(LoopCtx { is_for: false, head, breaks: Vec::new() });
                self.list(cond);
                let test = self.code.len();
                self.code.push(if *until { Instr::JumpIfOk(0) } else { Instr::JumpIfFail(0) });
                self.list(body);
                self.code.push(Instr::Jump(head));
                let exit = self.code.len();
                self.code.push(Instr::SetStatus(0));
                match &mut self.code[test] {
                    Instr::JumpIfFail(t) | Instr::JumpIfOk(t) => *t = exit,
                    _ => {}
                }
                let end = self.code.len();
                self.close_loop(end);
            }
            Command::If { branches, otherwise } => {
                let mut ends = Vec::new();
                for (cond, body) in branches {
                    self.list(cond);
                    let test = self.code.len();
                    self.code.push(Instr::JumpIfFail(0));
                    self.list(body);
                    ends.push(self.code.len());
                    self.code.push(Instr::Jump(0));
                    let next = self.code.len();
                    if let Instr::JumpIfFail(t) = &mut self.code[test] {
                        *t = next;
                    }
                }
                match otherwise {
                    Some(o) => self.list(o),
                    None => self.code.push(Instr::SetStatus(0)),
                }
                let end = self.code.len();
                for e in ends {
                    self.code[e] = Instr::Jump(end);
                }
            }
        }
    }

    fn close_loop(&mut self, end: usize) {
        if let Some(l) = self.loops.pop() {
            for b in l.breaks {
                if let Instr::Break { target, .. } = &mut self.code[b] {
                    *target = end;
                }
            }
        }
    }

    /// `break [N]` and `continue [N]` written plainly become jumps.
    fn loop_control(&mut self, s: &Simple) -> Option<Instr> {
        let [w, rest @ ..] = s.words.as_slice() else { return None };
        let word = literal(w)?;
        if word != "break" && word != "continue" {
            return None;
        }
        let n: usize = rest.first().and_then(literal).and_then(|t| t.parse().ok()).unwrap_or(1).max(1);
        if self.loops.is_empty() {
            return Some(Instr::SetStatus(0));
        }
        let n = n.min(self.loops.len());
        let depth = self.loops.len() - n;
        let pops: usize = self.loops[depth..].iter().filter(|l| l.is_for).count();
        if word == "break" {
            let at = self.code.len();
            self.loops[depth].breaks.push(at);
            Some(Instr::Break { pops, target: usize::MAX })
        } else {
            // Continuing a `for` keeps its own frame.
            let own = usize::from(self.loops[depth].is_for);
            Some(Instr::Continue { pops: pops - own, target: self.loops[depth].head })
        }
    }
}

fn literal(w: &Word) -> Option<String> {
    match w.parts.as_slice() {
        [super::Part::Lit(t)] => Some(t.clone()),
        _ => None,
    }
}
