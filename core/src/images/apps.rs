//! What the catalogue's applications answer over HTTP, and where they listen.

use super::App;
use crate::time::SimTime;

/// A request as the serving container sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub host: String,
    pub port: i32,
    /// The path with its query.
    pub path: String,
    pub https: bool,
    pub client_ip: String,
    pub user_agent: String,
}

/// An application's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: String,
    /// Nothing listens on the port: the connection is refused.
    pub refused: bool,
    /// The TLS handshake failed (HTTPS to a plain port, or a server without its certificate).
    pub tls_failed: bool,
    /// The certificate an HTTPS server presented.
    pub certificate: Option<String>,
    /// The server forwards the request (nginx `proxy_pass`): the network sends it on.
    pub proxy: Option<String>,
}

impl Response {
    pub fn ok(body: impl Into<String>) -> Response {
        Response { status: 200, body: body.into(), ..Default::default() }
    }

    pub fn refused() -> Response {
        Response { refused: true, ..Default::default() }
    }

    pub fn tls_mismatch() -> Response {
        Response { tls_failed: true, ..Default::default() }
    }

    pub fn proxy(url: String) -> Response {
        Response { proxy: Some(url), ..Default::default() }
    }

    /// The reason phrase of the status line.
    pub fn reason(&self) -> &'static str {
        match self.status {
            200 => "OK",
            301 => "Moved Permanently",
            302 => "Found",
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            _ => "",
        }
    }
}

/// The bootcamp app's source, as `cat server.js` shows it in the image (Learn Kubernetes Basics,
/// module 3).
pub const BOOTCAMP_SERVER_JS: &str = "var http = require('http');
var requests=0;
var podname= process.env.HOSTNAME;
var startTime;
var host;
var handleRequest = function(request, response) {
  response.setHeader('Content-Type', 'text/plain');
  response.writeHead(200);
  response.write(\"Hello Kubernetes bootcamp! | Running on: \");
  response.write(host);
  response.end(\" | v=1\\n\");
  console.log(\"Running On:\" ,host, \"| Total Requests:\", ++requests,\"| App Uptime:\", (new Date() - startTime)/1000 , \"seconds\", \"| Log Time:\",new Date());
}
var www = http.createServer(handleRequest);
www.listen(8080,function () {
    startTime = new Date();;
    host = process.env.HOSTNAME;
    console.log (\"Kubernetes Bootcamp App Started At:\",startTime, \"| Running On: \" ,host, \"\\n\" );
});
";

/// What a running application needs to know of its container to answer.
pub struct Context<'a> {
    pub pod: &'a str,
    pub tag: &'a str,
    /// The container's command and arguments (agnhost's subcommand and flags).
    pub args: &'a [String],
    pub started: SimTime,
    pub now: SimTime,
}

/// The ports an application listens on (nginx reads its configuration; see `nginx::ports`).
pub fn ports(app: App, args: &[String]) -> Vec<i32> {
    let flag = |name: &str| {
        args.iter()
            .find_map(|a| a.strip_prefix(name).and_then(|v| v.trim_start_matches(['=', ':']).parse::<i32>().ok()))
    };
    match app {
        App::Nginx => vec![80],
        App::Bootcamp(_) | App::HelloApp | App::NodeHello => vec![8080],
        App::HelloGo | App::PhpApache => vec![80],
        App::EchoServer => vec![8080],
        App::Agnhost => {
            if args.iter().any(|a| a == "netexec") {
                vec![flag("--http-port").unwrap_or(8080)]
            } else if args.iter().any(|a| a == "serve-hostname") {
                vec![flag("--port").unwrap_or(9376)]
            } else {
                vec![flag("--port").unwrap_or(8080)]
            }
        }
        App::Listener(p) => vec![i32::from(p)],
        App::Mysql => vec![3306],
        App::Shell | App::Curl | App::Pause => Vec::new(),
    }
}

/// What an application does with the SIGTERM the kubelet sends to stop it. A process that
/// runs as PID 1 in its container gets no default action for a signal it does not handle, so a
/// shell, `sleep` or a Node.js server without a handler waits out the grace period and is killed
/// (exit 137); a Go program's runtime exits with 2; servers that handle the signal exit 0.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OnTerm {
    /// Exits by itself this many milliseconds after the signal, with this code.
    Exit { after_ms: i64, code: i32 },
    /// Keeps running until SIGKILL at the end of the grace period.
    Ignore,
}

pub fn on_term(app: App, args: &[String]) -> OnTerm {
    let flag = |name: &str| {
        args.iter()
            .find_map(|a| a.strip_prefix(name).and_then(|v| v.trim_start_matches(['=', ':']).parse::<i64>().ok()))
    };
    match app {
        // nginx's image stops it with SIGQUIT (STOPSIGNAL), a graceful shutdown; the others
        // handle SIGTERM themselves.
        App::Nginx | App::EchoServer | App::PhpApache | App::Mysql | App::Listener(_) | App::Pause => {
            OnTerm::Exit { after_ms: 0, code: 0 }
        }
        // serve-hostname logs the signal and sleeps 60 s "awaiting pod deletion"; pause exits 2;
        // netexec shuts its server down after --delay-shutdown seconds.
        App::Agnhost if args.iter().any(|a| a == "serve-hostname") => OnTerm::Ignore,
        App::Agnhost if args.iter().any(|a| a == "pause") => {
            OnTerm::Exit { after_ms: flag("--delay-shutdown").unwrap_or(0) * 1000, code: 2 }
        }
        App::Agnhost => OnTerm::Exit { after_ms: flag("--delay-shutdown").unwrap_or(0) * 1000, code: 0 },
        App::HelloApp | App::HelloGo => OnTerm::Exit { after_ms: 0, code: 2 },
        App::Bootcamp(_) | App::NodeHello | App::Shell | App::Curl => OnTerm::Ignore,
    }
}

/// The answer of an application that speaks HTTP (not nginx, which reads files: `nginx::answer`).
pub fn answer(app: App, cx: &Context, req: &Request) -> Response {
    if req.https {
        return Response::tls_mismatch();
    }
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    match app {
        App::Bootcamp(v) => {
            let v = if v == 0 { cx.tag.trim_start_matches('v').parse::<u8>().unwrap_or(1) } else { v };
            Response::ok(format!("Hello Kubernetes bootcamp! | Running on: {} | v={v}\n", cx.pod))
        }
        App::HelloApp => {
            let version = if cx.tag.starts_with('2') { "2.0.0" } else { "1.0.0" };
            Response::ok(format!("Hello, world!\nVersion: {version}\nHostname: {}\n", cx.pod))
        }
        App::NodeHello => Response::ok("Hello Kubernetes!"),
        App::HelloGo => Response::ok("{\"message\":\"Hello\"}"),
        App::PhpApache => Response::ok("OK!"),
        App::EchoServer => Response::ok(echo(req, path, query)),
        App::Agnhost => agnhost(cx, req, path, query),
        App::Nginx | App::Listener(_) | App::Mysql | App::Shell | App::Curl | App::Pause => Response::refused(),
    }
}

/// agnhost: `netexec`'s endpoints, and `serve-hostname`'s name on every path.
fn agnhost(cx: &Context, req: &Request, path: &str, query: &str) -> Response {
    if !cx.args.iter().any(|a| a == "netexec") {
        return Response::ok(cx.pod.to_string());
    }
    let param = |k: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
            .map(|v| v.replace("%20", " ").replace('+', " "))
    };
    match path {
        "/hostname" => Response::ok(cx.pod.to_string()),
        "/echo" => Response::ok(param("msg").unwrap_or_default()),
        "/clientip" => Response::ok(format!(
            "{}:{}",
            req.client_ip,
            40000 + (crate::rng::fnv32a(req.client_ip.as_bytes()) % 20000)
        )),
        "/healthz" => Response::ok(""),
        "/exit" => Response::ok(""),
        _ => {
            let t = cx.now.rfc3339();
            let up = (cx.now - cx.started).as_millis().max(0);
            Response::ok(format!(
                "NOW: {} {}.{:03}000000 +0000 UTC m=+{}.{:03}000001",
                &t[..10],
                &t[11..19],
                cx.now.millis().rem_euclid(1000),
                up / 1000,
                up % 1000
            ))
        }
    }
}

/// echoserver's report of the request it got (the source-IP tutorial greps `client_address`).
fn echo(req: &Request, path: &str, query: &str) -> String {
    let host = if req.port == 80 { req.host.clone() } else { format!("{}:{}", req.host, req.port) };
    format!(
        "\n\nHostname: echoserver\n\nPod Information:\n\t-no pod information available-\n\nServer values:\n\tserver_version=nginx: 1.13.3 - lua: 10008\n\nRequest Information:\n\tclient_address={}\n\tmethod=GET\n\treal path={path}\n\tquery={}\n\trequest_version=1.1\n\trequest_scheme=http\n\trequest_uri=http://{host}{}\n\nRequest Headers:\n\taccept=*/*\n\thost={host}\n\tuser-agent={}\n\nRequest Body:\n\t-no body in request-\n\n",
        req.client_ip,
        if query.is_empty() { "" } else { query },
        req.path,
        if req.user_agent.is_empty() { "curl/8.11.1" } else { &req.user_agent },
    )
}
