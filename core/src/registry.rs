//! The simulated image registry: which images a kubelet can pull. Images from registries other
//! than Docker Hub, and from users' repositories on Docker Hub, are assumed to exist; Docker Hub's
//! official images are known by name, so a typo (`ngnix`) fails as Docker Hub fails it.
//! `sim registry deny|allow IMAGE` changes what can be pulled.

use std::collections::BTreeSet;

use crate::controllers::kubelet::normalize_image;

/// Docker Hub's official images (`docker.io/library/…`) that lessons are likely to use.
const OFFICIAL: &[&str] = &[
    "adminer",
    "alpine",
    "amazonlinux",
    "busybox",
    "caddy",
    "cassandra",
    "centos",
    "consul",
    "couchbase",
    "couchdb",
    "debian",
    "docker",
    "elasticsearch",
    "fedora",
    "ghost",
    "golang",
    "gradle",
    "haproxy",
    "hello-world",
    "httpd",
    "influxdb",
    "jenkins",
    "kibana",
    "logstash",
    "mariadb",
    "maven",
    "memcached",
    "mongo",
    "mysql",
    "nats",
    "neo4j",
    "nextcloud",
    "nginx",
    "node",
    "openjdk",
    "perl",
    "php",
    "postgres",
    "python",
    "rabbitmq",
    "redis",
    "registry",
    "rethinkdb",
    "ruby",
    "rust",
    "solr",
    "sonarqube",
    "telegraf",
    "tomcat",
    "traefik",
    "ubuntu",
    "vault",
    "wordpress",
    "zookeeper",
    "eclipse-temurin",
    "bash",
    "nginxinc/nginx-unprivileged",
];

#[derive(Clone, Debug, Default)]
pub struct Registry {
    denied: BTreeSet<String>,
    allowed: BTreeSet<String>,
}

impl Registry {
    /// Whether `image` can be pulled; the error is containerd's message.
    pub fn pull(&self, image: &str) -> Result<(), String> {
        let full = normalize_image(image);
        let repo = repository(&full);
        if self.denied.contains(&full) || self.denied.contains(repo) {
            return Err(format!(
                "failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
            ));
        }
        if self.allowed.contains(&full) || self.allowed.contains(repo) {
            return Ok(());
        }
        // An image of the catalogue has the tags its registry has; any other is not found (the
        // Learn Kubernetes Basics rollout to `kubernetes-bootcamp:v10` fails this way).
        if let Some(image) = crate::images::lookup(&full) {
            let tag = crate::images::tag(&full);
            if !image.has_tag(tag) {
                return Err(format!(
                    "failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
                ));
            }
            return Ok(());
        }
        if let Some(name) = repo.strip_prefix("docker.io/library/")
            && !OFFICIAL.contains(&name)
        {
            return Err(format!(
                "failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
            ));
        }
        Ok(())
    }

    /// Makes an image (or a whole repository, without a tag) unpullable.
    pub fn deny(&mut self, image: &str) -> String {
        let key = key(image);
        self.allowed.remove(&key);
        self.denied.insert(key.clone());
        key
    }

    /// Makes an image (or a repository) pullable, even one Docker Hub would not have.
    pub fn allow(&mut self, image: &str) -> String {
        let key = key(image);
        self.denied.remove(&key);
        self.allowed.insert(key.clone());
        key
    }

    pub fn denied(&self) -> impl Iterator<Item = &String> {
        self.denied.iter()
    }

    pub fn allowed(&self) -> impl Iterator<Item = &String> {
        self.allowed.iter()
    }
}

/// An image with a tag or digest is one image; without, it stands for the whole repository.
fn key(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    let full = normalize_image(image);
    if last.contains(':') || image.contains('@') { full } else { repository(&full).to_string() }
}

fn repository(full: &str) -> &str {
    let slash = full.rfind('/').map_or(0, |i| i + 1);
    match full[slash..].find([':', '@']) {
        Some(i) => &full[..slash + i],
        None => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_images_and_other_registries_pull_typos_do_not() {
        let r = Registry::default();
        assert!(r.pull("nginx:1.27").is_ok());
        assert!(r.pull("registry.k8s.io/e2e-test-images/agnhost:2.53").is_ok());
        assert!(r.pull("someuser/app:1").is_ok());
        let err = r.pull("ngnix").unwrap_err();
        assert!(err.contains("docker.io/library/ngnix:latest") && err.contains("repository does not exist"), "{err}");
    }

    #[test]
    fn deny_and_allow() {
        let mut r = Registry::default();
        assert_eq!(r.deny("nginx:1.27"), "docker.io/library/nginx:1.27");
        assert!(r.pull("nginx:1.27").unwrap_err().ends_with("not found"));
        assert!(r.pull("nginx:1.28").is_ok(), "only that tag");
        let e = r.pull("gcr.io/google-samples/kubernetes-bootcamp:v10").unwrap_err();
        assert!(e.ends_with("gcr.io/google-samples/kubernetes-bootcamp:v10: not found"), "{e}");
        r.deny("redis");
        assert!(r.pull("redis:7").is_err(), "a repository without a tag denies every tag");
        r.allow("ngnix");
        assert!(r.pull("ngnix:latest").is_ok());
    }
}
