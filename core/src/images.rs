//! The catalogue of simulated images: for each image the Kubernetes documentation's tutorials and
//! tasks run, its tags, its userland (busybox's or Debian's tools and shells), the files it
//! ships, and the application its default process is (an nginx that serves its document root and
//! what its configuration says, the bootcamp app greeting with its pod name, agnhost's netexec,
//! a MySQL that wants a root password …). A tag the catalogue does not list fails to pull, as a
//! registry answers `not found`; an image outside the catalogue runs as a generic container
//! (serving on the ports it declares) and says so in an Event.
//!
//! Invariant: this is data and lookups; what an application answers lives in `images/`.

pub mod apps;
pub mod nginx;

pub use apps::{Request, Response};

use crate::controllers::kubelet::normalize_image;

/// The tools an image's shell finds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Userland {
    /// busybox applets under ash (busybox, alpine, agnhost, curl images).
    Busybox,
    /// Debian's coreutils under dash, and bash (nginx, node, mysql).
    Debian,
    /// No shell at all (distroless, pause).
    None,
}

/// What an image's default process is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum App {
    /// nginx: serves files as its configuration says (default: port 80, /usr/share/nginx/html).
    Nginx,
    /// The Kubernetes Basics bootcamp app on 8080: `Hello Kubernetes bootcamp! | Running on: POD | v=N`.
    Bootcamp(u8),
    /// agnhost: `netexec` (HTTP on --http-port, /hostname, /echo, /clientip), `serve-hostname`.
    Agnhost,
    /// hello-app: `Hello, world!`, its version and hostname, on 8080.
    HelloApp,
    /// node-hello: `Hello Kubernetes!` on 8080.
    NodeHello,
    /// The "Connecting a Front End to a Back End" backend: `{"message":"Hello"}` on 80.
    HelloGo,
    /// echoserver: the request back, with the client's address (the source-IP tutorial).
    EchoServer,
    /// The HPA walkthrough's php-apache: `OK!` on 80.
    PhpApache,
    /// A database or cache listening on its port (no HTTP).
    Listener(u16),
    /// MySQL: listens on 3306 once it has a root password (else it exits, saying so).
    Mysql,
    /// A shell: exits at once unless attached to a terminal.
    Shell,
    /// curl as the entrypoint: prints its usage and exits when given no URL.
    Curl,
    /// Sleeps forever (pause).
    Pause,
}

/// Which `nslookup` an image carries: busybox before 1.29 (`Address 1: …`), busybox since, or
/// bind's (dnsutils).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Nslookup {
    BusyboxOld,
    Busybox,
    Bind,
}

/// One repository in the catalogue.
#[derive(Debug)]
pub struct Image {
    /// The repository as containerd names it (`docker.io/library/nginx`).
    pub repository: &'static str,
    /// The tags it has; empty means any tag that looks like a version.
    pub tags: &'static [&'static str],
    pub userland: Userland,
    pub app: App,
    /// Files the image ships (its read-only lower layer), by absolute path.
    pub files: &'static [(&'static str, &'static str)],
}

const NGINX_FILES: &[(&str, &str)] = &[
    ("/usr/share/nginx/html/index.html", nginx::WELCOME),
    ("/usr/share/nginx/html/50x.html", nginx::ERROR_50X),
    ("/etc/nginx/conf.d/default.conf", nginx::DEFAULT_CONF),
    ("/etc/nginx/nginx.conf", nginx::MAIN_CONF),
];

const BOOTCAMP_FILES: &[(&str, &str)] = &[("/server.js", apps::BOOTCAMP_SERVER_JS)];

/// The catalogue. Tags are those the registries serve (as listed by their tag APIs); the
/// tutorials' failed rollout (`kubernetes-bootcamp:v10`) is a tag that does not exist.
pub const CATALOGUE: &[Image] = &[
    Image {
        repository: "docker.io/library/nginx",
        tags: &[],
        userland: Userland::Debian,
        app: App::Nginx,
        files: NGINX_FILES,
    },
    Image {
        repository: "registry.k8s.io/nginx-slim",
        tags: &[
            "0.5", "0.6", "0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14", "0.15", "0.16", "0.17", "0.18",
            "0.19", "0.20", "0.21", "0.22", "0.23", "0.24", "0.25", "0.26", "0.27",
        ],
        userland: Userland::Debian,
        app: App::Nginx,
        files: NGINX_FILES,
    },
    Image {
        repository: "gcr.io/google_containers/nginx-slim",
        tags: &[
            "0.5", "0.6", "0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14", "0.15", "0.16", "0.17", "0.18",
            "0.19", "0.20",
        ],
        userland: Userland::Debian,
        app: App::Nginx,
        files: NGINX_FILES,
    },
    Image {
        repository: "gcr.io/google-samples/kubernetes-bootcamp",
        tags: &["v1"],
        userland: Userland::Debian,
        app: App::Bootcamp(1),
        files: BOOTCAMP_FILES,
    },
    Image {
        repository: "docker.io/jocatalin/kubernetes-bootcamp",
        tags: &["v1", "v2"],
        userland: Userland::Debian,
        app: App::Bootcamp(0),
        files: BOOTCAMP_FILES,
    },
    Image {
        repository: "registry.k8s.io/e2e-test-images/agnhost",
        tags: &[
            "2.32", "2.33", "2.36", "2.39", "2.40", "2.43", "2.45", "2.47", "2.48", "2.50", "2.51", "2.52", "2.53",
            "2.54", "2.55", "2.56",
        ],
        userland: Userland::Busybox,
        app: App::Agnhost,
        files: &[],
    },
    Image {
        repository: "docker.io/library/busybox",
        tags: &[],
        userland: Userland::Busybox,
        app: App::Shell,
        files: &[],
    },
    Image {
        repository: "docker.io/library/alpine",
        tags: &[],
        userland: Userland::Busybox,
        app: App::Shell,
        files: &[],
    },
    Image {
        repository: "docker.io/library/ubuntu",
        tags: &[],
        userland: Userland::Debian,
        app: App::Shell,
        files: &[],
    },
    Image {
        repository: "docker.io/library/debian",
        tags: &[],
        userland: Userland::Debian,
        app: App::Shell,
        files: &[],
    },
    Image {
        repository: "docker.io/curlimages/curl",
        tags: &[],
        userland: Userland::Busybox,
        app: App::Curl,
        files: &[],
    },
    Image {
        repository: "docker.io/radial/busyboxplus",
        tags: &["curl", "latest"],
        userland: Userland::Busybox,
        app: App::Shell,
        files: &[],
    },
    Image {
        repository: "registry.k8s.io/e2e-test-images/jessie-dnsutils",
        tags: &["1.3", "1.4", "1.5", "1.7"],
        userland: Userland::Debian,
        app: App::Shell,
        files: &[],
    },
    Image { repository: "docker.io/library/mysql", tags: &[], userland: Userland::Debian, app: App::Mysql, files: &[] },
    Image {
        repository: "docker.io/library/redis",
        tags: &[],
        userland: Userland::Debian,
        app: App::Listener(6379),
        files: &[],
    },
    Image {
        repository: "docker.io/library/postgres",
        tags: &[],
        userland: Userland::Debian,
        app: App::Listener(5432),
        files: &[],
    },
    Image {
        repository: "gcr.io/google-samples/hello-app",
        tags: &["1.0", "2.0"],
        userland: Userland::None,
        app: App::HelloApp,
        files: &[],
    },
    Image {
        repository: "us-docker.pkg.dev/google-samples/containers/gke/hello-app",
        tags: &["1.0", "2.0"],
        userland: Userland::None,
        app: App::HelloApp,
        files: &[],
    },
    Image {
        repository: "gcr.io/google-samples/node-hello",
        tags: &["1.0"],
        userland: Userland::Debian,
        app: App::NodeHello,
        files: &[],
    },
    Image {
        repository: "gcr.io/google-samples/hello-go-gke",
        tags: &["1.0"],
        userland: Userland::None,
        app: App::HelloGo,
        files: &[],
    },
    Image {
        repository: "gcr.io/google-samples/hello-frontend",
        tags: &["1.0"],
        userland: Userland::Debian,
        app: App::Nginx,
        files: NGINX_FILES,
    },
    Image {
        repository: "registry.k8s.io/echoserver",
        tags: &["1.4", "1.10"],
        userland: Userland::Debian,
        app: App::EchoServer,
        files: &[],
    },
    Image {
        repository: "registry.k8s.io/hpa-example",
        tags: &["latest"],
        userland: Userland::Debian,
        app: App::PhpApache,
        files: &[],
    },
    Image {
        repository: "registry.k8s.io/pause",
        tags: &["3.6", "3.7", "3.8", "3.9", "3.10", "3.10.1"],
        userland: Userland::None,
        app: App::Pause,
        files: &[],
    },
];

/// The catalogue's entry for an image, by its repository (tag and digest aside).
pub fn lookup(image: &str) -> Option<&'static Image> {
    let full = normalize_image(image);
    let repo = repository(&full);
    CATALOGUE.iter().find(|i| i.repository == repo)
}

/// `docker.io/library/nginx:1.27` → `docker.io/library/nginx`.
pub fn repository(full: &str) -> &str {
    let slash = full.rfind('/').map_or(0, |i| i + 1);
    match full[slash..].find([':', '@']) {
        Some(i) => &full[..slash + i],
        None => full,
    }
}

/// The tag of a normalized image (`latest` when none is given; empty for a digest).
pub fn tag(full: &str) -> &str {
    let repo = repository(full);
    full[repo.len()..].strip_prefix(':').unwrap_or("")
}

impl Image {
    /// Whether the registry has this tag: one of those listed, or (for repositories whose tags
    /// are versions) `latest`, a named channel, or a version number with an optional variant.
    pub fn has_tag(&self, tag: &str) -> bool {
        if tag.is_empty() {
            return true;
        }
        if !self.tags.is_empty() {
            return self.tags.contains(&tag);
        }
        let (version, variant) = tag.split_once('-').unwrap_or((tag, ""));
        let channel = matches!(
            version,
            "latest"
                | "stable"
                | "mainline"
                | "alpine"
                | "bookworm"
                | "bullseye"
                | "trixie"
                | "noble"
                | "jammy"
                | "focal"
                | "lts"
                | "slim"
                | "musl"
                | "glibc"
                | "uclibc"
        );
        let numeric = !version.is_empty()
            && version.split('.').count() <= 3
            && version.split('.').all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()));
        (channel || numeric) && variant.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    }

    /// The userland of this image at a tag: an `-alpine` variant of a Debian image is busybox.
    pub fn userland_at(&self, tag: &str) -> Userland {
        if self.userland == Userland::Debian && tag.contains("alpine") { Userland::Busybox } else { self.userland }
    }

    /// Which nslookup the image carries at a tag.
    pub fn nslookup_at(&self, tag: &str) -> Nslookup {
        match self.userland_at(tag) {
            Userland::Debian => Nslookup::Bind,
            _ if self.repository == "docker.io/library/busybox" && busybox_before_1_29(tag) => Nslookup::BusyboxOld,
            _ if self.repository == "docker.io/radial/busyboxplus" => Nslookup::BusyboxOld,
            _ => Nslookup::Busybox,
        }
    }
}

/// busybox's nslookup was rewritten in 1.29; the tutorials pin 1.28 for the old output.
fn busybox_before_1_29(tag: &str) -> bool {
    let mut parts = tag.split(['.', '-']).map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(1), Some(minor)) => minor < 29,
        (Some(major), _) => major < 1,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_tags_pull_and_others_do_not() {
        // Learn Kubernetes Basics module 6: v10 does not exist, so the rollout fails.
        let bootcamp = lookup("gcr.io/google-samples/kubernetes-bootcamp:v10").unwrap();
        assert!(bootcamp.has_tag("v1") && !bootcamp.has_tag("v10"));
        let slim = lookup("registry.k8s.io/nginx-slim:0.24").unwrap();
        assert!(slim.has_tag("0.21") && slim.has_tag("0.24") && !slim.has_tag("0.99"));
        let nginx = lookup("nginx").unwrap();
        for t in ["latest", "1.14.2", "1.16.1", "1.27", "alpine", "1.27-alpine", "stable-perl"] {
            assert!(nginx.has_tag(t), "{t}");
        }
        for t in ["nope", "1.2.3.4", "lastest"] {
            assert!(!nginx.has_tag(t), "{t}");
        }
        assert!(lookup("example.com/someone/app:1").is_none());
    }

    #[test]
    fn userland_and_nslookup_by_tag() {
        let busybox = lookup("busybox:1.28").unwrap();
        assert_eq!(busybox.nslookup_at("1.28"), Nslookup::BusyboxOld);
        assert_eq!(busybox.nslookup_at("1.37"), Nslookup::Busybox);
        let nginx = lookup("nginx:alpine").unwrap();
        assert_eq!(nginx.userland_at("1.27-alpine"), Userland::Busybox);
        assert_eq!(nginx.userland_at("1.27"), Userland::Debian);
    }
}
