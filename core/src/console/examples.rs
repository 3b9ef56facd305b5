//! The Kubernetes documentation's example manifests, as `kubectl apply -f https://k8s.io/examples/…`
//! reaches them in the docs' tutorials. The cluster has no network outside itself, so the ones the
//! tutorials on Services, storage and StatefulSets use travel with it (CC BY 4.0, The Kubernetes
//! Authors; copied unchanged from kubernetes/website, see tests/fixtures/k8s-examples/README.md).

use super::Files;

/// The URL prefixes the docs use for their examples.
const PREFIXES: &[&str] = &[
    "https://k8s.io/examples/",
    "https://kubernetes.io/examples/",
    "https://raw.githubusercontent.com/kubernetes/website/main/content/en/examples/",
];

macro_rules! examples {
    ($($path:literal),* $(,)?) => {
        /// The examples carried, by path under `content/en/examples`.
        pub const EXAMPLES: &[(&str, &str)] = &[
            $(($path, include_str!(concat!("../../../tests/fixtures/k8s-examples/", $path)))),*
        ];
    };
}

examples![
    "application/deployment.yaml",
    "application/deployment-scale.yaml",
    "application/deployment-update.yaml",
    "application/web/web.yaml",
    "application/web/web-parallel.yaml",
    "configmap/configmaps.yaml",
    "debug/counter-pod.yaml",
    "pods/commands.yaml",
    "pods/pod-configmap-volume.yaml",
    "pods/probe/exec-liveness.yaml",
    "pods/storage/pv-claim.yaml",
    "pods/storage/pv-pod.yaml",
    "pods/storage/pv-volume.yaml",
    "pods/storage/redis.yaml",
    "pods/two-container-pod.yaml",
    "service/access/backend-deployment.yaml",
    "service/access/backend-service.yaml",
    "service/access/frontend-service.yaml",
    "service/load-balancer-example.yaml",
    "service/nginx-service.yaml",
    "service/networking/curlpod.yaml",
    "service/networking/nginx-default.conf",
    "service/networking/nginx-secure-app.yaml",
    "service/networking/nginx-svc.yaml",
    "service/networking/run-my-nginx.yaml",
];

/// Files the tutorials ask the learner to save under another name than the example's.
const SAVED_AS: &[(&str, &str)] = &[("default.conf", "service/networking/nginx-default.conf")];

/// The example a tutorial told the learner to save as `path` (`./run-my-nginx.yaml`,
/// `default.conf`), when the learner has no such file of their own.
fn saved_copy(path: &str) -> Option<&'static str> {
    if path.contains("://") {
        return None;
    }
    let base = path.rsplit('/').next().unwrap_or(path);
    if let Some((_, example)) = SAVED_AS.iter().find(|(name, _)| *name == base) {
        return EXAMPLES.iter().find(|(p, _)| p == example).map(|(_, t)| *t);
    }
    let mut found = EXAMPLES.iter().filter(|(p, _)| p.rsplit('/').next() == Some(base));
    match (found.next(), found.next()) {
        (Some((_, text)), None) => Some(text),
        _ => None,
    }
}

/// Reads example URLs from the carried set, and everything else from `inner`.
pub(crate) struct WithExamples<'a> {
    pub inner: &'a dyn Files,
}

impl Files for WithExamples<'_> {
    fn read(&self, path: &str) -> Result<String, String> {
        let Some(rest) = PREFIXES.iter().find_map(|p| path.strip_prefix(p)) else {
            if path.starts_with("http://") || path.starts_with("https://") {
                return Err(format!(
                    "unable to read URL \"{path}\": the simulated cluster reaches no network outside itself; it carries the Kubernetes documentation's examples under https://k8s.io/examples/"
                ));
            }
            // A tutorial's file the learner was to save: the docs' own copy stands in.
            return self.inner.read(path).or_else(|e| saved_copy(path).map(str::to_string).ok_or(e));
        };
        EXAMPLES.iter().find(|(p, _)| *p == rest).map(|(_, text)| text.to_string()).ok_or_else(|| {
            let known: Vec<&str> = EXAMPLES.iter().map(|(p, _)| *p).collect();
            format!(
                "unable to read URL \"{path}\", server reported 404 Not Found, status code=404 (the examples carried: {})",
                known.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::NoFiles;

    #[test]
    fn example_urls_read_the_carried_copies() {
        let f = WithExamples { inner: &NoFiles };
        let web = f.read("https://k8s.io/examples/application/web/web.yaml").unwrap();
        assert!(web.contains("kind: StatefulSet"));
        assert!(f.read("https://k8s.io/examples/nope.yaml").unwrap_err().contains("404 Not Found"));
        assert!(f.read("https://example.com/x.yaml").unwrap_err().contains("no network outside itself"));
        assert!(f.read("local.yaml").unwrap_err().contains("does not exist"));
        // Connecting Applications with Services: `kubectl apply -f ./run-my-nginx.yaml`.
        assert!(f.read("./run-my-nginx.yaml").unwrap().contains("run: my-nginx"));
        assert!(f.read("default.conf").unwrap().contains("listen 443 ssl;"));
        assert!(f.read("web.yaml").unwrap().contains("kind: StatefulSet"));
    }
}
