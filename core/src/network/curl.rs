//! curl and wget, the clients learners reach for, run from a pod or from the learner's machine:
//! their flags, their output (the body, `-i`/`-I` headers, `-v` traces with each hop of the
//! simulated network), their exit codes and error lines in curl's words, and HTTPS with `-k` or
//! `--cacert` checked against the certificate the server presented.

use super::tls;
use super::traffic::{Outcome, Source, Trace, parse_url};
use crate::Cluster;
use crate::shell::CmdOutput;
use crate::time::SimDuration;

/// Linux gives up on a TCP connect after about 130 s of SYN retries; curl waits that long
/// unless told otherwise.
pub const CONNECT_TIMEOUT: SimDuration = SimDuration::seconds(130);

/// What a curl line asks for.
#[derive(Clone, Debug, Default)]
pub struct Curl {
    pub url: String,
    pub verbose: bool,
    pub silent: bool,
    pub show_error: bool,
    pub include: bool,
    pub head: bool,
    pub fail: bool,
    pub insecure: bool,
    pub cacert: Option<String>,
    /// `-o FILE` (`-` for standard output), `-O` (the URL's last segment).
    pub output: Option<String>,
    pub write_out: Option<String>,
    pub max_time: Option<SimDuration>,
}

/// Reads curl's flags; the error is curl's, with its exit code.
pub fn parse(args: &[String]) -> Result<Curl, CmdOutput> {
    let mut c = Curl::default();
    let mut i = 0;
    let mut remote_name = false;
    while i < args.len() {
        let a = args[i].as_str();
        let mut value = || -> Result<String, CmdOutput> {
            i += 1;
            args.get(i).cloned().ok_or_else(|| {
                CmdOutput::err(
                    format!("curl: option {a}: requires parameter\ncurl: try 'curl --help' for more information\n"),
                    2,
                )
            })
        };
        match a {
            "-v" | "--verbose" => c.verbose = true,
            "-s" | "--silent" => c.silent = true,
            "-S" | "--show-error" => c.show_error = true,
            "-i" | "--include" => c.include = true,
            "-I" | "--head" => c.head = true,
            "-f" | "--fail" => c.fail = true,
            "-k" | "--insecure" => c.insecure = true,
            "-L" | "--location" | "--compressed" | "-N" | "--no-buffer" | "-4" | "-6" | "--http1.1" => {}
            "--cacert" => c.cacert = Some(value()?),
            "-o" | "--output" => c.output = Some(value()?),
            "-O" | "--remote-name" => remote_name = true,
            "-w" | "--write-out" => c.write_out = Some(value()?),
            "-m" | "--max-time" | "--connect-timeout" => {
                let v = value()?;
                c.max_time = v.parse::<f64>().ok().map(|s| SimDuration((s * 1000.0) as i64));
            }
            "-H" | "-X" | "-d" | "-A" | "-u" | "-e" | "--header" | "--request" | "--data" | "--user-agent"
            | "--user" | "--resolve" | "--retry" => {
                value()?;
            }
            _ if a.starts_with("--") => {
                return Err(CmdOutput::err(
                    format!("curl: option {a}: is unknown\ncurl: try 'curl --help' for more information\n"),
                    2,
                ));
            }
            _ if a.starts_with('-') && a.len() > 1 => {
                // Clustered short flags: `-sS`, `-fsSL`, `-kv`, `-sO`.
                for ch in a[1..].chars() {
                    match ch {
                        'v' => c.verbose = true,
                        's' => c.silent = true,
                        'S' => c.show_error = true,
                        'i' => c.include = true,
                        'I' => c.head = true,
                        'f' => c.fail = true,
                        'k' => c.insecure = true,
                        'O' => remote_name = true,
                        'L' | 'N' => {}
                        other => {
                            return Err(CmdOutput::err(
                                format!(
                                    "curl: option -{other}: is unknown\ncurl: try 'curl --help' for more information\n"
                                ),
                                2,
                            ));
                        }
                    }
                }
            }
            _ => c.url = a.to_string(),
        }
        i += 1;
    }
    if c.url.is_empty() {
        return Err(CmdOutput::err(
            "curl: no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information\n",
            2,
        ));
    }
    if remote_name {
        c.output = Some(c.url.rsplit('/').next().filter(|s| !s.is_empty()).unwrap_or("index.html").to_string());
    }
    Ok(c)
}

/// What a curl run gives back: its output, and a file to write for `-o`/`-O`.
pub struct Ran {
    pub out: CmdOutput,
    pub file: Option<(String, String)>,
}

/// Runs a request from `source`; `cacert` is the content of the `--cacert` file, if it was read.
pub fn run(c: &mut Cluster, source: &Source, req: &Curl, cacert: Option<Result<String, String>>) -> Ran {
    let u = match parse_url(&req.url) {
        Ok(u) => u,
        Err(e) => return Ran { out: CmdOutput::err(format!("curl: (3) URL rejected: {e}\n"), 3), file: None },
    };
    if let Some(Err(path)) = &cacert {
        let msg = format!("curl: (77) error setting certificate file: {path}\n");
        return Ran { out: CmdOutput::err(msg, 77), file: None };
    }
    let trace = c.request(source, &req.url, None);
    let mut err = String::new();
    if req.verbose {
        for s in &trace.steps {
            err.push_str(&format!("* {s}\n"));
        }
    }
    let quiet_errors = req.silent && !req.show_error;
    let fail = |err: &mut String, msg: String, code: i32| -> Ran {
        if !quiet_errors {
            err.push_str(&msg);
            err.push('\n');
        }
        Ran { out: CmdOutput { stdout: String::new(), stderr: std::mem::take(err), code }, file: None }
    };
    match trace.outcome {
        Outcome::Answered => {}
        Outcome::DnsFailed => return fail(&mut err, format!("curl: (6) Could not resolve host: {}", u.host), 6),
        Outcome::TlsFailed => {
            return fail(
                &mut err,
                "curl: (35) OpenSSL/3.3.2: error:0A00010B:SSL routines::wrong version number".into(),
                35,
            );
        }
        Outcome::TimedOut => {
            let timeout = req.max_time.unwrap_or(CONNECT_TIMEOUT);
            c.advance(timeout);
            let msg = if req.max_time.is_some() {
                format!("curl: (28) Connection timed out after {} milliseconds", timeout.as_millis())
            } else {
                format!(
                    "curl: (28) Failed to connect to {} port {} after {} ms: Couldn't connect to server",
                    u.host,
                    u.port,
                    timeout.as_millis()
                )
            };
            return fail(&mut err, msg, 28);
        }
        Outcome::Refused | Outcome::NoRoute => {
            return fail(
                &mut err,
                format!(
                    "curl: (7) Failed to connect to {} port {} after 2 ms: Couldn't connect to server",
                    u.host, u.port
                ),
                7,
            );
        }
    }
    if u.https && !req.insecure {
        let presented = trace.certificate.clone().unwrap_or_default();
        if let Err((code, msg)) = tls::verify(&presented, cacert.and_then(Result::ok).as_deref(), &u.host) {
            return fail(&mut err, msg, code);
        }
    }
    if trace.status == 0 {
        return fail(&mut err, "curl: (1) Received HTTP/0.9 when not allowed".into(), 1);
    }
    respond(&trace, req, &u.path, &u.host, err)
}

fn respond(t: &Trace, req: &Curl, path: &str, host: &str, mut err: String) -> Ran {
    let reason = crate::images::Response { status: t.status, ..Default::default() }.reason();
    let kind = if t.body.trim_start().starts_with('<') { "text/html" } else { "text/plain; charset=utf-8" };
    let headers =
        format!("HTTP/1.1 {} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n", t.status, t.body.len());
    if req.verbose {
        err.push_str(&format!(
            "> {} {path} HTTP/1.1\n> Host: {host}\n> User-Agent: curl/8.11.1\n> Accept: */*\n>\n",
            if req.head { "HEAD" } else { "GET" }
        ));
        for l in headers.trim_end().lines() {
            err.push_str(&format!("< {}\n", l.trim_end()));
        }
        err.push_str("<\n");
    }
    if req.fail && t.status >= 400 {
        if !req.silent || req.show_error {
            err.push_str(&format!("curl: (22) The requested URL returned error: {}\n", t.status));
        }
        return Ran { out: CmdOutput { stdout: String::new(), stderr: err, code: 22 }, file: None };
    }
    let mut out = String::new();
    if req.include || req.head {
        out.push_str(&headers.replace("\r\n", "\n"));
    }
    if !req.head {
        out.push_str(&t.body);
    }
    if let Some(w) = &req.write_out {
        out.push_str(&w.replace("%{http_code}", &t.status.to_string()).replace("\\n", "\n"));
    }
    match &req.output {
        Some(f) if f != "-" => {
            Ran { out: CmdOutput { stdout: String::new(), stderr: err, code: 0 }, file: Some((f.clone(), out)) }
        }
        _ => Ran { out: CmdOutput { stdout: out, stderr: err, code: 0 }, file: None },
    }
}

/// busybox wget: `wget -qO- URL`, `wget -O FILE URL`, `wget --spider`.
pub fn wget(c: &mut Cluster, source: &Source, args: &[String]) -> Ran {
    let Some(url) = args.iter().rev().find(|a| !a.starts_with('-')).cloned() else {
        return Ran {
            out: CmdOutput::err(
                "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n",
                1,
            ),
            file: None,
        };
    };
    let quiet = args.iter().any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('q'));
    let output = args.windows(2).find(|w| w[0] == "-O" || w[0] == "-qO").map(|w| w[1].clone()).or_else(|| {
        args.iter().find_map(|a| {
            a.strip_prefix("-qO").or_else(|| a.strip_prefix("-O")).filter(|r| !r.is_empty()).map(str::to_string)
        })
    });
    let trace = c.request(source, &url, None);
    let host = parse_url(&url).map(|u| u.host).unwrap_or_default();
    match trace.outcome {
        Outcome::Answered if trace.status >= 400 => Ran {
            out: CmdOutput::err(format!("wget: server returned error: HTTP/1.1 {}\n", trace.status), 1),
            file: None,
        },
        Outcome::Answered => {
            let name = output.clone().unwrap_or_else(|| {
                url.rsplit('/').next().filter(|s| !s.is_empty() && !s.contains(':')).unwrap_or("index.html").to_string()
            });
            let progress = if quiet {
                String::new()
            } else {
                format!("Connecting to {host}\nsaving to '{name}'\n'{name}' saved\n")
            };
            if name == "-" {
                Ran { out: CmdOutput { stdout: trace.body, stderr: progress, code: 0 }, file: None }
            } else {
                Ran {
                    out: CmdOutput { stdout: String::new(), stderr: progress, code: 0 },
                    file: Some((name, trace.body)),
                }
            }
        }
        Outcome::DnsFailed => Ran { out: CmdOutput::err(format!("wget: bad address '{host}'\n"), 1), file: None },
        Outcome::TimedOut => {
            c.advance(CONNECT_TIMEOUT);
            Ran { out: CmdOutput::err("wget: download timed out\n", 1), file: None }
        }
        _ => Ran { out: CmdOutput::err("wget: can't connect to remote host: Connection refused\n", 1), file: None },
    }
}
