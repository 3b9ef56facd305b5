//! Kubernetes' validation rules and the shape of its errors (`k8s.io/apimachinery/pkg/util/validation`
//! and `.../validation/field`), so a rejected command reads as the API server would answer it.

use std::fmt;

/// One invalid field, as `field.Error` prints it: `spec.ports[0].port: Invalid value: 0: must be …`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FieldError {
    pub path: String,
    pub kind: FieldErrorKind,
    pub detail: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FieldErrorKind {
    /// `Invalid value: <value>`; the value is printed as Go's `%#v` would (strings quoted).
    Invalid(String),
    Required,
    NotSupported(String),
    Duplicate(String),
    NotFound(String),
    Forbidden,
}

impl FieldError {
    pub fn invalid(path: impl Into<String>, value: impl fmt::Display, detail: impl Into<String>) -> Self {
        FieldError { path: path.into(), kind: FieldErrorKind::Invalid(value.to_string()), detail: detail.into() }
    }

    /// An invalid string value, quoted as the API server quotes it.
    pub fn invalid_str(path: impl Into<String>, value: &str, detail: impl Into<String>) -> Self {
        FieldError::invalid(path, format!("{value:?}"), detail)
    }

    pub fn required(path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError { path: path.into(), kind: FieldErrorKind::Required, detail: detail.into() }
    }

    pub fn not_supported(path: impl Into<String>, value: &str, supported: &[&str]) -> Self {
        let list = supported.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::NotSupported(format!("{value:?}")),
            detail: format!("supported values: {list}"),
        }
    }

    pub fn duplicate(path: impl Into<String>, value: impl fmt::Display) -> Self {
        FieldError { path: path.into(), kind: FieldErrorKind::Duplicate(value.to_string()), detail: String::new() }
    }

    pub fn forbidden(path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError { path: path.into(), kind: FieldErrorKind::Forbidden, detail: detail.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FieldErrorKind::Invalid(v) => write!(f, "{}: Invalid value: {v}", self.path)?,
            FieldErrorKind::Required => write!(f, "{}: Required value", self.path)?,
            FieldErrorKind::NotSupported(v) => write!(f, "{}: Unsupported value: {v}", self.path)?,
            FieldErrorKind::Duplicate(v) => write!(f, "{}: Duplicate value: {v}", self.path)?,
            FieldErrorKind::NotFound(v) => write!(f, "{}: Not found: {v}", self.path)?,
            FieldErrorKind::Forbidden => write!(f, "{}: Forbidden", self.path)?,
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// A list of field errors printed as `ErrorList.ToAggregate()` prints it: one error alone,
/// several as `[a, b]`.
pub fn aggregate(errors: &[FieldError]) -> String {
    match errors {
        [one] => one.to_string(),
        many => format!("[{}]", many.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

const DNS1123_LABEL_MAX: usize = 63;
const DNS1123_SUBDOMAIN_MAX: usize = 253;

fn alnum_lower(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

fn max_len_msg(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// `IsDNS1123Label`: namespaces, most names that become DNS labels.
pub fn dns1123_label(v: &str) -> Result<(), String> {
    if v.len() > DNS1123_LABEL_MAX {
        return Err(max_len_msg(DNS1123_LABEL_MAX));
    }
    let ok = !v.is_empty()
        && v.chars().all(|c| alnum_lower(c) || c == '-')
        && v.starts_with(alnum_lower)
        && v.ends_with(alnum_lower);
    if ok {
        Ok(())
    } else {
        Err("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".into())
    }
}

/// `IsDNS1123Subdomain`: the names of most objects (pods, deployments, config maps).
pub fn dns1123_subdomain(v: &str) -> Result<(), String> {
    if v.len() > DNS1123_SUBDOMAIN_MAX {
        return Err(max_len_msg(DNS1123_SUBDOMAIN_MAX));
    }
    let ok = !v.is_empty()
        && v.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| alnum_lower(c) || c == '-')
                && part.starts_with(alnum_lower)
                && part.ends_with(alnum_lower)
        });
    if ok {
        Ok(())
    } else {
        Err("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".into())
    }
}

/// `IsDNS1035Label`: Service names, which become DNS labels that must not start with a digit.
pub fn dns1035_label(v: &str) -> Result<(), String> {
    if v.len() > DNS1123_LABEL_MAX {
        return Err(max_len_msg(DNS1123_LABEL_MAX));
    }
    let ok = !v.is_empty()
        && v.chars().all(|c| alnum_lower(c) || c == '-')
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && v.ends_with(alnum_lower);
    if ok {
        Ok(())
    } else {
        Err("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".into())
    }
}

fn qualified_name_part(v: &str) -> bool {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    !v.is_empty()
        && v.chars().all(|c| alnum(c) || matches!(c, '-' | '_' | '.'))
        && v.starts_with(alnum)
        && v.ends_with(alnum)
}

/// `IsQualifiedName`: label keys and annotation keys, `[prefix/]name`.
pub fn label_key(v: &str) -> Result<(), String> {
    let (prefix, name) = match v.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, v),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            return Err("prefix part must be non-empty".into());
        }
        dns1123_subdomain(p).map_err(|e| format!("prefix part {e}"))?;
    }
    if name.is_empty() {
        return Err("name part must be non-empty".into());
    }
    if name.len() > 63 {
        return Err("name part must be no more than 63 characters".into());
    }
    if !qualified_name_part(name) {
        return Err("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".into());
    }
    Ok(())
}

/// `IsValidLabelValue`: empty, or a qualified-name part of at most 63 characters.
pub fn label_value(v: &str) -> Result<(), String> {
    if v.len() > 63 {
        return Err(max_len_msg(63));
    }
    if !v.is_empty() && !qualified_name_part(v) {
        return Err("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".into());
    }
    Ok(())
}

/// `IsValidPortNum`.
pub fn port_number(p: i64) -> Result<(), String> {
    if (1..=65535).contains(&p) { Ok(()) } else { Err("must be between 1 and 65535, inclusive".into()) }
}

/// `IsValidPortName` (an IANA_SVC_NAME): how container ports and service ports are named.
pub fn port_name(v: &str) -> Result<(), String> {
    if v.len() > 15 {
        return Err("must be no more than 15 characters".into());
    }
    if !v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if !v.chars().any(|c| c.is_ascii_lowercase()) {
        return Err("must contain at least one letter (a-z)".into());
    }
    if v.contains("--") {
        return Err("must not contain consecutive hyphens".into());
    }
    if v.starts_with('-') || v.ends_with('-') {
        return Err("must not begin or end with a hyphen".into());
    }
    Ok(())
}

/// Labels in `path` (e.g. `metadata.labels`), each key and value checked.
pub fn labels(path: &str, labels: &std::collections::BTreeMap<String, String>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (k, v) in labels {
        if let Err(e) = label_key(k) {
            errs.push(FieldError::invalid_str(path, k, e));
        }
        if let Err(e) = label_value(v) {
            errs.push(FieldError::invalid_str(format!("{path}[{k}]"), v, e));
        }
    }
    errs
}

/// Validates an object as the API server does on create and update, returning every field error.
pub fn validate_object(obj: &crate::api::Object) -> Vec<FieldError> {
    use crate::api::Object;
    let meta = obj.meta();
    let mut errs = Vec::new();
    let name_rule: fn(&str) -> Result<(), String> = match obj {
        Object::Service(_) => dns1035_label,
        Object::Namespace(_) => dns1123_label,
        _ => dns1123_subdomain,
    };
    if let Err(e) = name_rule(&meta.name) {
        errs.push(FieldError::invalid_str("metadata.name", &meta.name, e));
    }
    errs.extend(labels("metadata.labels", &meta.labels));
    match obj {
        Object::Service(s) => errs.extend(service(s)),
        Object::Deployment(d) => {
            errs.extend(replicas("spec.replicas", d.spec.replicas));
            errs.extend(selector_and_template("spec", &d.spec.selector, &d.spec.template));
        }
        Object::ReplicaSet(rs) => {
            errs.extend(replicas("spec.replicas", rs.spec.replicas));
            errs.extend(selector_and_template("spec", &rs.spec.selector, &rs.spec.template));
        }
        Object::Pod(p) => errs.extend(pod_spec("spec", &p.spec)),
        Object::StatefulSet(ss) => {
            errs.extend(replicas("spec.replicas", ss.spec.replicas));
            // Mounts may name a claim template: the pods get a volume for each.
            let mut template = ss.spec.template.clone();
            template.spec.volumes = crate::controllers::statefulset::with_claims(ss, &template.spec.volumes, None);
            errs.extend(selector_and_template("spec", &ss.spec.selector, &template));
            for (i, t) in ss.spec.volume_claim_templates.iter().enumerate() {
                let p = format!("spec.volumeClaimTemplates[{i}]");
                if t.spec.access_modes.is_empty() {
                    errs.push(FieldError::required(
                        format!("{p}.spec.accessModes"),
                        "at least 1 access mode is required",
                    ));
                }
                errs.extend(access_modes(&format!("{p}.spec.accessModes"), &t.spec.access_modes));
                if !t.spec.resources.requests.contains_key("storage") {
                    errs.push(FieldError::required(format!("{p}.spec.resources[storage]"), ""));
                }
            }
        }
        Object::PersistentVolumeClaim(pvc) => {
            if pvc.spec.access_modes.is_empty() {
                errs.push(FieldError::required("spec.accessModes", "at least 1 access mode is required"));
            }
            if !pvc.spec.resources.requests.contains_key("storage") {
                errs.push(FieldError::required("spec.resources[storage]", ""));
            }
            errs.extend(access_modes("spec.accessModes", &pvc.spec.access_modes));
        }
        Object::PersistentVolume(pv) => {
            if pv.spec.access_modes.is_empty() {
                errs.push(FieldError::required("spec.accessModes", ""));
            }
            if !pv.spec.capacity.contains_key("storage") {
                errs.push(FieldError::required("spec.capacity", ""));
            }
            errs.extend(access_modes("spec.accessModes", &pv.spec.access_modes));
            if pv.spec.host_path.is_none() && pv.spec.csi.is_none() && pv.spec.nfs.is_none() && pv.spec.local.is_none()
            {
                errs.push(FieldError::required("spec", "must specify a volume type"));
            }
        }
        _ => {}
    }
    errs
}

fn replicas(path: &str, r: Option<i32>) -> Vec<FieldError> {
    match r {
        Some(n) if n < 0 => vec![FieldError::invalid(path, n, "must be greater than or equal to 0")],
        _ => Vec::new(),
    }
}

fn selector_and_template(
    path: &str,
    sel: &crate::api::meta::LabelSelector,
    template: &crate::api::pod::PodTemplateSpec,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if sel.match_labels.is_empty() && sel.match_expressions.is_empty() {
        errs.push(FieldError::required(format!("{path}.selector"), ""));
    } else {
        errs.extend(labels(&format!("{path}.selector.matchLabels"), &sel.match_labels));
        match crate::labels::Selector::from_label_selector(sel) {
            Err(e) => errs.push(FieldError::invalid(format!("{path}.selector"), "", e)),
            Ok(s) if !s.matches(&template.metadata.labels) => {
                let shown =
                    template.metadata.labels.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect::<Vec<_>>().join(", ");
                errs.push(FieldError::invalid(
                    format!("{path}.template.metadata.labels"),
                    format!("map[string]string{{{shown}}}"),
                    "`selector` does not match template `labels`",
                ));
            }
            Ok(_) => {}
        }
    }
    errs.extend(labels(&format!("{path}.template.metadata.labels"), &template.metadata.labels));
    errs.extend(pod_spec(&format!("{path}.template.spec"), &template.spec));
    errs
}

fn pod_spec(path: &str, spec: &crate::api::pod::PodSpec) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if spec.containers.is_empty() {
        errs.push(FieldError::required(format!("{path}.containers"), ""));
    }
    let mut volumes = std::collections::BTreeSet::new();
    for (i, v) in spec.volumes.iter().enumerate() {
        let vp = format!("{path}.volumes[{i}]");
        if let Err(e) = dns1123_label(&v.name) {
            errs.push(FieldError::invalid_str(format!("{vp}.name"), &v.name, e));
        } else if !volumes.insert(v.name.as_str()) {
            errs.push(FieldError::duplicate(format!("{vp}.name"), format!("{:?}", v.name)));
        }
        if let Some(claim) = &v.persistent_volume_claim
            && claim.claim_name.is_empty()
        {
            errs.push(FieldError::required(format!("{vp}.persistentVolumeClaim.claimName"), ""));
        }
        if let Some(hp) = &v.host_path
            && !hp.path.starts_with('/')
        {
            errs.push(FieldError::invalid_str(format!("{vp}.hostPath.path"), &hp.path, "must be an absolute path"));
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, c) in spec.containers.iter().enumerate() {
        let cp = format!("{path}.containers[{i}]");
        if c.name.is_empty() {
            errs.push(FieldError::required(format!("{cp}.name"), ""));
        } else if let Err(e) = dns1123_label(&c.name) {
            errs.push(FieldError::invalid_str(format!("{cp}.name"), &c.name, e));
        } else if !names.insert(c.name.as_str()) {
            errs.push(FieldError::duplicate(format!("{cp}.name"), format!("{:?}", c.name)));
        }
        if c.image.trim().is_empty() {
            errs.push(FieldError::required(format!("{cp}.image"), ""));
        }
        let mut mount_paths = std::collections::BTreeSet::new();
        for (j, m) in c.volume_mounts.iter().enumerate() {
            let mp = format!("{cp}.volumeMounts[{j}]");
            if !volumes.contains(m.name.as_str()) {
                errs.push(FieldError {
                    path: format!("{mp}.name"),
                    kind: FieldErrorKind::NotFound(format!("{:?}", m.name)),
                    detail: String::new(),
                });
            }
            if m.mount_path.is_empty() {
                errs.push(FieldError::required(format!("{mp}.mountPath"), ""));
            } else if !mount_paths.insert(m.mount_path.as_str()) {
                errs.push(FieldError::invalid_str(format!("{mp}.mountPath"), &m.mount_path, "must be unique"));
            }
            if m.sub_path.starts_with('/') || m.sub_path.split('/').any(|p| p == "..") {
                errs.push(FieldError::invalid_str(
                    format!("{mp}.subPath"),
                    &m.sub_path,
                    "must be a relative path without '..'",
                ));
            }
        }
        for (j, p) in c.ports.iter().enumerate() {
            let pp = format!("{cp}.ports[{j}]");
            if let Err(e) = port_number(i64::from(p.container_port)) {
                errs.push(FieldError::invalid(format!("{pp}.containerPort"), p.container_port, e));
            }
            if !p.name.is_empty()
                && let Err(e) = port_name(&p.name)
            {
                errs.push(FieldError::invalid_str(format!("{pp}.name"), &p.name, e));
            }
            if !p.protocol.is_empty() && !["TCP", "UDP", "SCTP"].contains(&p.protocol.as_str()) {
                errs.push(FieldError::not_supported(format!("{pp}.protocol"), &p.protocol, &["SCTP", "TCP", "UDP"]));
            }
        }
    }
    errs
}

const ACCESS_MODES: &[&str] = &["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

fn access_modes(path: &str, modes: &[String]) -> Vec<FieldError> {
    modes
        .iter()
        .filter(|m| !ACCESS_MODES.contains(&m.as_str()))
        .map(|m| FieldError::not_supported(path, m, ACCESS_MODES))
        .collect()
}

const SERVICE_TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

fn service(s: &crate::api::Service) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let t = s.type_or_default();
    if !SERVICE_TYPES.contains(&t) {
        errs.push(FieldError::not_supported("spec.type", t, SERVICE_TYPES));
    }
    if t == "ExternalName" {
        if s.spec.external_name.is_empty() {
            errs.push(FieldError::required("spec.externalName", ""));
        }
    } else if s.spec.ports.is_empty() && !s.is_headless() {
        errs.push(FieldError::required("spec.ports", ""));
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, p) in s.spec.ports.iter().enumerate() {
        let pp = format!("spec.ports[{i}]");
        if s.spec.ports.len() > 1 && p.name.is_empty() {
            errs.push(FieldError::required(format!("{pp}.name"), ""));
        } else if !p.name.is_empty() {
            if let Err(e) = dns1123_label(&p.name) {
                errs.push(FieldError::invalid_str(format!("{pp}.name"), &p.name, e));
            } else if !names.insert(p.name.as_str()) {
                errs.push(FieldError::duplicate(format!("{pp}.name"), format!("{:?}", p.name)));
            }
        }
        if let Err(e) = port_number(i64::from(p.port)) {
            errs.push(FieldError::invalid(format!("{pp}.port"), p.port, e));
        }
        if !p.protocol.is_empty() && !["TCP", "UDP", "SCTP"].contains(&p.protocol.as_str()) {
            errs.push(FieldError::not_supported(format!("{pp}.protocol"), &p.protocol, &["SCTP", "TCP", "UDP"]));
        }
        match &p.target_port {
            Some(crate::api::meta::IntOrString::Int(n)) => {
                if let Err(e) = port_number(i64::from(*n)) {
                    errs.push(FieldError::invalid(format!("{pp}.targetPort"), n, e));
                }
            }
            Some(crate::api::meta::IntOrString::String(n)) => {
                if let Err(e) = port_name(n) {
                    errs.push(FieldError::invalid_str(format!("{pp}.targetPort"), n, e));
                }
            }
            None => {}
        }
        if let Some(np) = p.node_port
            && np != 0
        {
            if t == "ClusterIP" {
                errs.push(FieldError::forbidden(
                    format!("{pp}.nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            } else if let Err(e) = port_number(i64::from(np)) {
                errs.push(FieldError::invalid(format!("{pp}.nodePort"), np, e));
            }
        }
    }
    errs.extend(labels("spec.selector", &s.spec.selector));
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names from apimachinery's validation_test.go (TestIsDNS1123Label / TestIsDNS1035Label).
    #[test]
    fn dns_names_follow_rfc1123_and_rfc1035() {
        for good in ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2"] {
            assert!(dns1123_label(good).is_ok(), "{good}");
        }
        for bad in ["", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_b", "a.b", "a b"] {
            assert!(dns1123_label(bad).is_err(), "{bad}");
        }
        assert!(dns1123_label(&"a".repeat(63)).is_ok());
        assert_eq!(dns1123_label(&"a".repeat(64)).unwrap_err(), "must be no more than 63 characters");
        for good in ["a", "ab", "a-1", "a--1--2--b"] {
            assert!(dns1035_label(good).is_ok(), "{good}");
        }
        for bad in ["0", "01", "1a", "1abc", "a-", "A"] {
            assert!(dns1035_label(bad).is_err(), "{bad}");
        }
        assert!(dns1123_subdomain("example.com").is_ok());
        assert!(dns1123_subdomain("a..b").is_err());
    }

    #[test]
    fn label_keys_and_values() {
        for good in [
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "1234",
            "simple/simple",
            "example.com/Upper_Case",
            "app.kubernetes.io/name",
        ] {
            assert!(label_key(good).is_ok(), "{good}");
        }
        for bad in
            ["nospecialchars%^=@", "cantendwithadash-", "/simple", "Example.com/x", "a/", "a/b/c", &"a".repeat(64)]
        {
            assert!(label_key(bad).is_err(), "{bad}");
        }
        for good in ["", "simple", "now-with-dashes", "1-starts", "end-with-num-1", "1234", "a_b.c"] {
            assert!(label_value(good).is_ok(), "{good}");
        }
        for bad in ["-x", "x-", "a b", "%", &"a".repeat(64)] {
            assert!(label_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ports_and_port_names() {
        assert!(port_number(1).is_ok() && port_number(65535).is_ok());
        assert_eq!(port_number(0).unwrap_err(), "must be between 1 and 65535, inclusive");
        assert!(port_number(65536).is_err());
        for good in ["http", "dns-tcp", "p80", "a1b2"] {
            assert!(port_name(good).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("1234", "at least one letter"),
            ("a--b", "consecutive hyphens"),
            ("-ab", "begin or end"),
            ("Http", "alpha-numeric"),
            ("abcdefghijklmnop", "15 characters"),
        ] {
            assert!(port_name(bad).unwrap_err().contains(why), "{bad}");
        }
    }

    #[test]
    fn field_errors_print_as_the_api_server_prints_them() {
        let e = FieldError::invalid("spec.ports[0].port", 0, port_number(0).unwrap_err());
        assert_eq!(e.to_string(), "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive");
        let e2 = FieldError::invalid_str("metadata.name", "1abc", "x");
        assert_eq!(e2.to_string(), "metadata.name: Invalid value: \"1abc\": x");
        assert_eq!(aggregate(std::slice::from_ref(&e)), e.to_string());
        assert!(aggregate(&[e, e2]).starts_with("[spec.ports[0].port"));
        assert_eq!(
            FieldError::not_supported("spec.type", "Foo", &["ClusterIP", "NodePort"]).to_string(),
            "spec.type: Unsupported value: \"Foo\": supported values: \"ClusterIP\", \"NodePort\""
        );
    }
}
