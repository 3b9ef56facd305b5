//! Tab completion for console lines, shared by the page's prompt and `podscape shell`: verbs,
//! resource types and the names of objects that exist, as kubectl's shell completion offers them.

use crate::Cluster;
use crate::api::Kind;

/// What may replace the word under the cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Completion {
    /// Byte offset in the line where the word being completed starts.
    pub start: usize,
    /// Whole replacements for that word, sorted, each to be followed by a space unless it ends
    /// in `/` (a `TYPE/` waiting for its name).
    pub candidates: Vec<String>,
}

impl Completion {
    /// The longest text every candidate starts with: what a shell fills in on Tab.
    pub fn common_prefix(&self) -> String {
        let Some(first) = self.candidates.first() else { return String::new() };
        let mut len = first.len();
        for c in &self.candidates[1..] {
            len = len.min(first.bytes().zip(c.bytes()).take_while(|(a, b)| a == b).count());
        }
        while !first.is_char_boundary(len) {
            len -= 1;
        }
        first[..len].to_string()
    }
}

const KUBECTL_VERBS: &[&str] = &[
    "annotate", "apply", "config", "cordon", "create", "delete", "describe", "drain", "exec", "explain", "expose",
    "get", "help", "label", "logs", "rollout", "run", "scale", "set", "taint", "top", "uncordon", "wait",
];
const SIM_VERBS: &[&str] = &[
    "add",
    "advance",
    "crash",
    "export",
    "fail",
    "hash",
    "partition",
    "proxy-mode",
    "recover",
    "registry",
    "request",
    "step",
    "time",
    "traffic",
];
/// The resource types offered after `get`, `describe` and the like, in their plural spellings.
const TYPES: &[Kind] = &[
    Kind::ConfigMap,
    Kind::Deployment,
    Kind::EndpointSlice,
    Kind::Endpoints,
    Kind::Event,
    Kind::Namespace,
    Kind::Node,
    Kind::PersistentVolumeClaim,
    Kind::PersistentVolume,
    Kind::Pod,
    Kind::ReplicaSet,
    Kind::Secret,
    Kind::ServiceAccount,
    Kind::Service,
    Kind::StatefulSet,
    Kind::StorageClass,
];

impl Cluster {
    /// Completions for the word that ends at the end of `line`.
    pub fn complete(&self, line: &str) -> Completion {
        let start = line.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &line[start..];
        let words: Vec<&str> = line[..start].split_whitespace().collect();
        let mut candidates: Vec<String> =
            self.candidates(&words, word).into_iter().filter(|c| c.starts_with(word)).collect();
        candidates.sort();
        candidates.dedup();
        Completion { start, candidates }
    }

    fn candidates(&self, words: &[&str], word: &str) -> Vec<String> {
        let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let Some((&first, rest)) = words.split_first() else {
            return owned(&["help", "kubectl", "sim"]);
        };
        if first == "sim" {
            return match rest {
                [] => owned(SIM_VERBS),
                ["fail" | "partition" | "recover"] => owned(&["node"]),
                ["fail" | "partition" | "recover", "node"] => self.names(Kind::Node, ""),
                ["traffic"] => {
                    let mut v = owned(&["status", "stop"]);
                    v.extend(self.names(Kind::Pod, &self.console.namespace));
                    v.extend(
                        self.names(Kind::Deployment, &self.console.namespace)
                            .into_iter()
                            .map(|n| format!("deploy/{n}")),
                    );
                    v
                }
                ["export"] => TYPES.iter().map(|k| k.plural().to_string()).collect(),
                _ => Vec::new(),
            };
        }
        if first != "kubectl" && first != "k" {
            return Vec::new();
        }
        // The namespace the line names with -n/--namespace, else the session's.
        let ns = rest
            .windows(2)
            .find(|w| w[0] == "-n" || w[0] == "--namespace")
            .map(|w| w[1].to_string())
            .or_else(|| rest.iter().find_map(|w| w.strip_prefix("--namespace=").map(str::to_string)))
            .unwrap_or_else(|| self.console.namespace.clone());
        // A flag's value: namespaces after -n, output formats after -o.
        match rest.last() {
            Some(&"-n" | &"--namespace") => return self.names(Kind::Namespace, ""),
            Some(&"-o" | &"--output") => {
                return owned(&["custom-columns=", "json", "jsonpath=", "name", "wide", "yaml"]);
            }
            _ => {}
        }
        // Positional words so far, flags (and the values of flags that take one) left out.
        let mut positional = Vec::new();
        let mut skip = false;
        for w in rest {
            if skip {
                skip = false;
            } else if w.starts_with('-') {
                skip =
                    matches!(*w, "-n" | "--namespace" | "-o" | "--output" | "-l" | "--selector" | "-c" | "--container");
            } else {
                positional.push(*w);
            }
        }
        if word.starts_with('-') {
            return owned(&[
                "--all",
                "--all-namespaces",
                "--namespace",
                "--output",
                "--selector",
                "--show-labels",
                "--watch",
                "-A",
                "-l",
                "-n",
                "-o",
                "-w",
            ]);
        }
        let Some((&verb, args)) = positional.split_first() else { return owned(KUBECTL_VERBS) };
        // `TYPE/NAME` forms: complete the name after the slash.
        if let Some((t, _)) = word.split_once('/') {
            return match Kind::parse(t) {
                Some(k) => self.names(k, &ns).into_iter().map(|n| format!("{t}/{n}")).collect(),
                None => Vec::new(),
            };
        }
        let types = || TYPES.iter().map(|k| k.plural().to_string()).collect::<Vec<_>>();
        let names_of = |t: &str| Kind::parse(t).map_or_else(Vec::new, |k| self.names(k, &ns));
        match (verb, args) {
            ("get" | "describe" | "delete" | "label" | "annotate" | "explain" | "wait", []) => types(),
            ("get" | "describe" | "delete" | "label" | "annotate" | "wait", [t, ..]) => names_of(t),
            ("exec" | "logs", []) => self.names(Kind::Pod, &ns),
            ("cordon" | "uncordon" | "drain", []) => self.names(Kind::Node, ""),
            ("taint", []) => owned(&["nodes"]),
            ("taint", [_]) => self.names(Kind::Node, ""),
            ("top", []) => owned(&["node", "pod"]),
            ("top", [t]) => names_of(t),
            ("scale", []) => owned(&["deployment", "replicaset", "statefulset"]),
            ("expose", []) => owned(&["deployment", "pod", "replicaset", "service"]),
            ("scale" | "expose", [t]) => names_of(t),
            ("rollout", []) => owned(&["history", "pause", "restart", "resume", "status", "undo"]),
            ("rollout", [_]) => {
                self.names(Kind::Deployment, &ns).into_iter().map(|n| format!("deployment/{n}")).collect()
            }
            ("set", []) => owned(&["image"]),
            ("set", ["image"]) => {
                self.names(Kind::Deployment, &ns).into_iter().map(|n| format!("deployment/{n}")).collect()
            }
            ("create", []) => owned(&["configmap", "deployment", "namespace", "secret", "service", "serviceaccount"]),
            ("create", ["secret"]) => owned(&["generic", "tls"]),
            ("create", ["service"]) => owned(&["clusterip", "externalname", "loadbalancer", "nodeport"]),
            ("config", []) => owned(&["current-context", "get-contexts", "set-context", "view"]),
            _ => Vec::new(),
        }
    }

    /// Names of the objects of `kind` in `ns` (cluster-scoped kinds ignore it).
    fn names(&self, kind: Kind, ns: &str) -> Vec<String> {
        let scope = kind.namespaced().then_some(ns);
        self.store.list_objects(kind, scope).iter().map(|o| o.meta().name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(c: &Cluster, line: &str) -> Vec<String> {
        c.complete(line).candidates
    }

    #[test]
    fn verbs_types_and_names_complete() {
        let c = Cluster::new(crate::Config::default());
        assert_eq!(complete(&c, "kub"), ["kubectl"]);
        assert_eq!(complete(&c, "kubectl ge"), ["get"]);
        assert_eq!(complete(&c, "kubectl get po"), ["pods"]);
        assert_eq!(complete(&c, "kubectl get deployments fr"), ["frontend"]);
        assert_eq!(complete(&c, "kubectl describe svc/ba"), ["svc/backend"]);
        assert_eq!(complete(&c, "kubectl cordon node-"), ["node-1", "node-2", "node-3"]);
        assert_eq!(complete(&c, "kubectl get pods -n kube-"), ["kube-node-lease", "kube-public", "kube-system"]);
        assert_eq!(complete(&c, "kubectl scale deployment b"), ["backend"]);
        assert_eq!(complete(&c, "sim fail node node-3"), ["node-3"]);
        // Pods of another namespace are offered when -n names it.
        assert!(complete(&c, "kubectl -n kube-system logs core").iter().all(|n| n.starts_with("coredns-")));
        assert!(!complete(&c, "kubectl -n kube-system logs core").is_empty());
        assert!(complete(&c, "kubectl logs core").is_empty());
    }

    #[test]
    fn the_common_prefix_is_what_tab_fills_in() {
        let c = Cluster::new(crate::Config::default());
        let done = c.complete("kubectl get pods back");
        assert_eq!(done.start, "kubectl get pods ".len());
        assert_eq!(done.candidates.len(), 3);
        // The three backend pods share their ReplicaSet's name, so Tab fills that in.
        let rs =
            c.store.list::<crate::api::ReplicaSet>(Some("default")).find(|r| r.metadata.name.starts_with("backend"));
        assert_eq!(done.common_prefix(), format!("{}-", rs.map(|r| r.metadata.name.clone()).unwrap_or_default()));
        assert_eq!(c.complete("kubectl ro").common_prefix(), "rollout");
    }
}
