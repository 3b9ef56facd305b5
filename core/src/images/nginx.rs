//! nginx as the image runs it: its configuration read from the container's files
//! (`/etc/nginx/conf.d/*.conf`, a ConfigMap mounted there replacing the image's own), each
//! `server` listening where it says (`listen 443 ssl` with `ssl_certificate` from a mounted
//! Secret), serving files from its `root` (the welcome page the image ships, or whatever a volume
//! mounted there holds; a directory without an index is `403 Forbidden`), and `proxy_pass` to
//! another address (the hello-frontend's upstream).

use super::{Request, Response};

/// The welcome page the nginx image ships as /usr/share/nginx/html/index.html.
pub const WELCOME: &str = "<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href=\"http://nginx.org/\">nginx.org</a>.<br/>
Commercial support is available at
<a href=\"http://nginx.com/\">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
";

pub const ERROR_50X: &str = "<!DOCTYPE html>
<html>
<head>
<title>Error</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then you should check
the error log for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
";

/// The image's /etc/nginx/conf.d/default.conf.
pub const DEFAULT_CONF: &str = "server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    #access_log  /var/log/nginx/host.access.log  main;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    #error_page  404              /404.html;

    # redirect server error pages to the static page /50x.html
    #
    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
";

/// The image's /etc/nginx/nginx.conf, which includes conf.d.
pub const MAIN_CONF: &str = "
user  nginx;
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /run/nginx.pid;


events {
    worker_connections  1024;
}


http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '$remote_addr - $remote_user [$time_local] \"$request\" '
                      '$status $body_bytes_sent \"$http_referer\" '
                      '\"$http_user_agent\" \"$http_x_forwarded_for\"';

    access_log  /var/log/nginx/access.log  main;

    sendfile        on;
    #tcp_nopush     on;

    keepalive_timeout  65;

    #gzip  on;

    include /etc/nginx/conf.d/*.conf;
}
";

/// One `server` block, as far as serving goes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Server {
    /// (port, ssl).
    pub listens: Vec<(i32, bool)>,
    pub root: String,
    pub index: Vec<String>,
    pub certificate: String,
    pub certificate_key: String,
    pub proxy_pass: Option<String>,
    /// `return CODE [TEXT]` at `location /`.
    pub returns: Option<(u16, String)>,
}

/// The servers a configuration text declares. nginx's syntax: directives end with `;`, blocks
/// nest in braces, `#` comments to the end of a line.
pub fn servers(conf: &str) -> Vec<Server> {
    let toks = tokens(conf);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i] == "server" && toks.get(i + 1).map(String::as_str) == Some("{") {
            let (s, next) = server_block(&toks, i + 2);
            out.push(s);
            i = next;
        } else {
            i += 1;
        }
    }
    out
}

fn tokens(conf: &str) -> Vec<String> {
    let mut toks = Vec::new();
    let mut cur = String::new();
    let mut chars = conf.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '#' => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            '"' | '\'' => quote = Some(c),
            '{' | '}' | ';' => {
                if !cur.is_empty() {
                    toks.push(std::mem::take(&mut cur));
                }
                toks.push(c.to_string());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    toks.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        toks.push(cur);
    }
    toks
}

/// Reads a server block from just after its `{`; returns it and where it ended.
fn server_block(t: &[String], mut i: usize) -> (Server, usize) {
    let mut s = Server { root: "/usr/share/nginx/html".into(), index: vec!["index.html".into()], ..Default::default() };
    let mut index_set = false;
    let mut depth = 0;
    let mut location: Vec<String> = Vec::new();
    while i < t.len() {
        match t[i].as_str() {
            "}" if depth == 0 => return (s, i + 1),
            "}" => {
                depth -= 1;
                location.pop();
                i += 1;
                continue;
            }
            "location" => {
                // `location [=|~|^~] PATH {`
                let mut j = i + 1;
                let mut path = String::new();
                while j < t.len() && t[j] != "{" {
                    path = t[j].clone();
                    j += 1;
                }
                location.push(path);
                depth += 1;
                i = j + 1;
                continue;
            }
            _ => {}
        }
        // A directive: words up to `;`.
        let mut j = i;
        while j < t.len() && t[j] != ";" && t[j] != "{" && t[j] != "}" {
            j += 1;
        }
        let words = &t[i..j];
        let at_root = location.is_empty() || location.last().is_some_and(|l| l == "/");
        match words.first().map(String::as_str) {
            Some("listen") => {
                let addr = words.get(1).cloned().unwrap_or_default();
                let port = addr.rsplit(':').next().unwrap_or(&addr).parse::<i32>().unwrap_or(80);
                let ssl = words.iter().any(|w| w == "ssl");
                if !s.listens.contains(&(port, ssl)) {
                    s.listens.push((port, ssl));
                }
            }
            Some("root") if at_root => s.root = words.get(1).cloned().unwrap_or_default(),
            Some("index") if at_root => {
                if !index_set {
                    s.index.clear();
                    index_set = true;
                }
                s.index.extend(words[1..].iter().cloned());
            }
            Some("ssl_certificate") => s.certificate = words.get(1).cloned().unwrap_or_default(),
            Some("ssl_certificate_key") => s.certificate_key = words.get(1).cloned().unwrap_or_default(),
            Some("proxy_pass") if at_root => s.proxy_pass = words.get(1).cloned(),
            Some("return") if at_root => {
                let code = words.get(1).and_then(|c| c.parse().ok()).unwrap_or(200);
                s.returns = Some((code, words.get(2..).map(|w| w.join(" ")).unwrap_or_default()));
            }
            _ => {}
        }
        i = if t.get(j).map(String::as_str) == Some("{") {
            depth += 1;
            location.push(String::new());
            j + 1
        } else {
            j + 1
        };
    }
    (s, i)
}

/// What the container's files give nginx to read.
pub trait Files {
    fn read(&self, path: &str) -> Option<String>;
    /// Whether `path` is a directory.
    fn is_dir(&self, path: &str) -> bool;
    /// The names in a directory.
    fn list(&self, path: &str) -> Vec<String>;
}

/// The servers of the running configuration: every `conf.d/*.conf`, in name order (nginx's
/// `include` glob), or the image's default when the directory holds none.
pub fn configuration(files: &dyn Files) -> Vec<Server> {
    let mut names: Vec<String> = files.list("/etc/nginx/conf.d").into_iter().filter(|n| n.ends_with(".conf")).collect();
    names.sort();
    let mut out = Vec::new();
    for n in names {
        if let Some(text) = files.read(&format!("/etc/nginx/conf.d/{n}")) {
            out.extend(servers(&text));
        }
    }
    for s in &mut out {
        if s.listens.is_empty() {
            s.listens.push((80, false));
        }
    }
    out
}

/// The ports nginx listens on.
pub fn ports(files: &dyn Files) -> Vec<i32> {
    let mut p: Vec<i32> = configuration(files).iter().flat_map(|s| s.listens.iter().map(|l| l.0)).collect();
    p.sort();
    p.dedup();
    p
}

/// nginx's answer to a request on `port` (`version` as its error pages sign).
pub fn answer(files: &dyn Files, req: &Request, version: &str) -> Response {
    let conf = configuration(files);
    let Some(server) = conf.iter().find(|s| s.listens.iter().any(|l| l.0 == req.port)) else {
        return Response::refused();
    };
    let ssl = server.listens.iter().any(|l| l.0 == req.port && l.1);
    if ssl != req.https {
        return if ssl {
            page(400, "The plain HTTP request was sent to HTTPS port", version, "400 Bad Request")
        } else {
            Response::tls_mismatch()
        };
    }
    let mut resp = if let Some((code, text)) = &server.returns {
        Response {
            status: *code,
            body: if text.is_empty() { String::new() } else { format!("{text}\n") },
            ..Default::default()
        }
    } else if let Some(upstream) = &server.proxy_pass {
        Response::proxy(format!("{}{}", upstream.trim_end_matches('/'), req.path))
    } else {
        serve_file(files, server, &req.path, version)
    };
    if ssl {
        resp.certificate = files.read(&server.certificate);
        if resp.certificate.is_none() {
            return Response::tls_mismatch();
        }
    }
    resp
}

fn serve_file(files: &dyn Files, server: &Server, path: &str, version: &str) -> Response {
    let path = path.split('?').next().unwrap_or("/");
    let full = crate::fs::normalize(&server.root, &format!("./{}", path.trim_start_matches('/')));
    if files.is_dir(&full) || path.ends_with('/') {
        for index in &server.index {
            let candidate = crate::fs::normalize(&full, index);
            if let Some(body) = files.read(&candidate) {
                return Response { status: 200, body, ..Default::default() };
            }
        }
        // A directory without its index (an empty volume mounted at the root) is forbidden.
        return if files.is_dir(&full) {
            page(403, "403 Forbidden", version, "403 Forbidden")
        } else {
            page(404, "404 Not Found", version, "404 Not Found")
        };
    }
    match files.read(&full) {
        Some(body) => Response { status: 200, body, ..Default::default() },
        None => page(404, "404 Not Found", version, "404 Not Found"),
    }
}

/// nginx's own error page.
fn page(status: u16, heading: &str, version: &str, title: &str) -> Response {
    let h1 = if status == 400 {
        format!("<center><h1>400 Bad Request</h1></center>\n<center>{heading}</center>")
    } else {
        format!("<center><h1>{heading}</h1></center>")
    };
    Response {
        status,
        body: format!(
            "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n{h1}\r\n<hr><center>nginx/{version}</center>\r\n</body>\r\n</html>\r\n"
        ),
        ..Default::default()
    }
}

/// The nginx version an image tag runs (what error pages and logs sign): the tag itself when
/// it is a full version; the current stable line otherwise.
pub fn version_of(tag: &str) -> String {
    let v = tag.split('-').next().unwrap_or("");
    if v.split('.').count() == 3 && v.split('.').all(|p| p.bytes().all(|b| b.is_ascii_digit())) && v.starts_with("1.") {
        v.to_string()
    } else if v.split('.').count() == 2 && v.starts_with("1.") {
        format!("{v}.0")
    } else {
        "1.27.3".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Mem(BTreeMap<String, String>);
    impl Files for Mem {
        fn read(&self, p: &str) -> Option<String> {
            self.0.get(p).cloned()
        }
        fn is_dir(&self, p: &str) -> bool {
            let prefix = format!("{}/", p.trim_end_matches('/'));
            self.0.keys().any(|k| k.starts_with(&prefix))
        }
        fn list(&self, p: &str) -> Vec<String> {
            let prefix = format!("{}/", p.trim_end_matches('/'));
            let mut v: Vec<String> = self
                .0
                .keys()
                .filter_map(|k| k.strip_prefix(&prefix))
                .map(|r| r.split('/').next().unwrap_or(r).to_string())
                .collect();
            v.dedup();
            v
        }
    }

    fn image() -> Mem {
        Mem(super::super::NGINX_FILES.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect())
    }

    fn get(files: &Mem, port: i32, path: &str, https: bool) -> Response {
        answer(files, &Request { port, path: path.into(), https, ..Default::default() }, "1.27.3")
    }

    #[test]
    fn the_image_serves_its_welcome_page_on_80() {
        let f = image();
        let r = get(&f, 80, "/", false);
        assert_eq!(r.status, 200);
        assert!(r.body.contains("<h1>Welcome to nginx!</h1>"));
        assert_eq!(get(&f, 80, "/nope", false).status, 404);
        assert!(get(&f, 443, "/", true).refused);
        assert_eq!(ports(&f), vec![80]);
    }

    // StatefulSet Basics: an empty claim mounted over the document root is 403, then index.html.
    #[test]
    fn an_empty_root_is_forbidden_until_it_has_an_index() {
        let mut f = image();
        f.0.retain(|k, _| !k.starts_with("/usr/share/nginx/html/"));
        f.0.insert("/usr/share/nginx/html/.keep".into(), String::new());
        let r = get(&f, 80, "/", false);
        assert_eq!(r.status, 403);
        assert!(r.body.contains("403 Forbidden"));
        f.0.insert("/usr/share/nginx/html/index.html".into(), "web-0\n".into());
        assert_eq!(get(&f, 80, "/", false).body, "web-0\n");
    }

    // Connecting Applications with Services: the tutorial's default.conf, mounted from a
    // ConfigMap, with the certificate from a Secret.
    #[test]
    fn the_secure_nginx_of_the_services_tutorial() {
        let mut f = image();
        let conf = "server {\n        listen 80 default_server;\n        listen [::]:80 default_server ipv6only=on;\n\n        listen 443 ssl;\n\n        root /usr/share/nginx/html;\n        index index.html;\n\n        server_name localhost;\n        ssl_certificate /etc/nginx/ssl/tls.crt;\n        ssl_certificate_key /etc/nginx/ssl/tls.key;\n\n        location / {\n                try_files $uri $uri/ =404;\n        }\n}";
        f.0.insert("/etc/nginx/conf.d/default.conf".into(), conf.into());
        assert_eq!(ports(&f), vec![80, 443]);
        let r = get(&f, 443, "/", true);
        assert!(r.tls_failed, "no certificate mounted yet");
        f.0.insert("/etc/nginx/ssl/tls.crt".into(), "CERT".into());
        let r = get(&f, 443, "/", true);
        assert_eq!((r.status, r.certificate.as_deref()), (200, Some("CERT")));
        assert!(r.body.contains("Welcome to nginx!"));
        assert_eq!(get(&f, 443, "/", false).status, 400, "plain HTTP to the HTTPS port");
        assert_eq!(get(&f, 80, "/", false).status, 200);
    }

    #[test]
    fn versions_from_tags() {
        assert_eq!(version_of("1.14.2"), "1.14.2");
        assert_eq!(version_of("1.27-alpine"), "1.27.0");
        assert_eq!(version_of("latest"), "1.27.3");
    }
}
