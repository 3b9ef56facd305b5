//! A container's view of files: its mount table (root on its writable layer, volumes on their
//! storage) and the file operations the exec shell performs through it.

use std::collections::BTreeMap;

use super::{Backing, Files, normalize};
use crate::Cluster;
use crate::api::{ConfigMap, ObjectKey, PersistentVolume, PersistentVolumeClaim, Pod, Secret};

/// One entry of the mount table.
#[derive(Clone, Debug, PartialEq)]
pub struct Mount {
    /// Where it appears in the container.
    pub path: String,
    pub source: Source,
    pub read_only: bool,
    /// The pod volume's name (empty for the root).
    pub volume: String,
    /// What `mount` and `df` print as the filesystem.
    pub device: String,
    pub fs_type: &'static str,
    /// Capacity in KiB, for `df`.
    pub size_kib: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// Files in a tree: `root` is the mounted directory inside it.
    Tree { backing: Backing, generation: u64, root: String },
    /// Keys projected as read-only files (configMap, secret volumes).
    Keys(BTreeMap<String, String>),
    /// A volume type the simulation does not model: mounted, empty, read-only.
    Empty,
}

impl Source {
    /// Every file the source holds, by its path inside the mount, with its contents.
    pub fn files(&self, files: &Files) -> Vec<(String, String)> {
        match self {
            Source::Tree { backing, generation, root } => {
                let prefix = if root == "/" { "/".to_string() } else { format!("{}/", root.trim_end_matches('/')) };
                files
                    .tree(backing, *generation)
                    .map(|t| {
                        t.files()
                            .into_iter()
                            .filter_map(|(p, c)| p.strip_prefix(&prefix).map(|rest| (format!("/{rest}"), c)))
                            .collect()
                    })
                    .unwrap_or_default()
            }
            Source::Keys(keys) => keys.iter().map(|(k, v)| (format!("/{k}"), v.clone())).collect(),
            Source::Empty => Vec::new(),
        }
    }
}

/// Why a file operation failed, as the shell reports it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Errno {
    NotFound,
    ReadOnly,
    IsDir,
    NotDir,
    NotEmpty,
    Exists,
    NoSpace,
    TooLarge,
}

impl Errno {
    pub fn message(self) -> &'static str {
        match self {
            Errno::NotFound => "No such file or directory",
            Errno::ReadOnly => "Read-only file system",
            Errno::IsDir => "Is a directory",
            Errno::NotDir => "Not a directory",
            Errno::NotEmpty => "Directory not empty",
            Errno::Exists => "File exists",
            Errno::NoSpace => "No space left on device",
            Errno::TooLarge => "File too large",
        }
    }
}

/// The size of a node's disk, as `df` shows it.
const NODE_DISK_KIB: u64 = 102_626_232;

/// The directories every image has.
const IMAGE_DIRS: &[&str] =
    &["/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/usr", "/usr/bin", "/var", "/var/log"];

/// A container's files as an application reads them (nginx reading its configuration and
/// document root).
pub struct ContainerFiles<'a> {
    pub fs: ContainerFs,
    pub files: &'a Files,
}

impl crate::images::nginx::Files for ContainerFiles<'_> {
    fn read(&self, path: &str) -> Option<String> {
        self.fs.read(self.files, &normalize("/", path)).ok()
    }

    fn is_dir(&self, path: &str) -> bool {
        self.fs.is_dir(self.files, &normalize("/", path))
    }

    fn list(&self, path: &str) -> Vec<String> {
        self.fs
            .list(self.files, &normalize("/", path))
            .map(|v| v.into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default()
    }
}

/// A container's file system.
pub struct ContainerFs {
    pub mounts: Vec<Mount>,
    /// The image's own files (the lower layer under the writable one).
    image: BTreeMap<String, String>,
}

impl ContainerFs {
    /// The mount that holds `path`, and the path inside it.
    fn resolve(&self, path: &str) -> (usize, String) {
        let mut best = 0;
        for (i, m) in self.mounts.iter().enumerate() {
            let inside = path == m.path || m.path == "/" || path.starts_with(&format!("{}/", m.path));
            if inside && m.path.len() >= self.mounts[best].path.len() {
                best = i;
            }
        }
        let m = &self.mounts[best];
        let rest = if m.path == "/" { path.to_string() } else { path[m.path.len()..].to_string() };
        (best, rest)
    }

    fn tree_path(root: &str, rest: &str) -> String {
        normalize("/", &format!("{root}/{rest}"))
    }

    /// Reads a file.
    pub fn read(&self, files: &Files, path: &str) -> Result<String, Errno> {
        let (i, rest) = self.resolve(path);
        let m = &self.mounts[i];
        match &m.source {
            Source::Tree { backing, generation, root } => {
                let p = Self::tree_path(root, &rest);
                let tree = files.tree(backing, *generation);
                match tree.and_then(|t| t.get_file(&p)) {
                    Some(Some(s)) => return Ok(s.to_string()),
                    Some(None) => return Err(Errno::IsDir),
                    None => {}
                }
                if tree.is_some_and(|t| t.is_whiteout(&p)) {
                    return Err(Errno::NotFound);
                }
                if m.path == "/" {
                    if let Some(s) = self.image.get(&p) {
                        return Ok(s.clone());
                    }
                    if self.is_dir(files, path) {
                        return Err(Errno::IsDir);
                    }
                }
                Err(Errno::NotFound)
            }
            Source::Keys(keys) => match keys.get(rest.trim_start_matches('/')) {
                Some(v) => Ok(v.clone()),
                None if rest.is_empty() || rest == "/" => Err(Errno::IsDir),
                None => Err(Errno::NotFound),
            },
            Source::Empty => Err(if rest.is_empty() { Errno::IsDir } else { Errno::NotFound }),
        }
    }

    pub fn is_dir(&self, files: &Files, path: &str) -> bool {
        if self.mounts.iter().any(|m| m.path == path) || path == "/" {
            return true;
        }
        let (i, rest) = self.resolve(path);
        let m = &self.mounts[i];
        match &m.source {
            Source::Tree { backing, generation, root } => {
                let p = Self::tree_path(root, &rest);
                let tree = files.tree(backing, *generation);
                if tree.is_some_and(|t| t.is_whiteout(&p)) {
                    return false;
                }
                let in_tree = tree.is_some_and(|t| t.is_dir(&p) || !t.children(&p).is_empty());
                let in_image = m.path == "/"
                    && (IMAGE_DIRS.contains(&p.as_str()) || self.image.keys().any(|k| k.starts_with(&format!("{p}/"))));
                // Mount points are directories of their parent.
                let holds_mount =
                    self.mounts.iter().any(|mm| mm.path.starts_with(&format!("{}/", path.trim_end_matches('/'))));
                in_tree || in_image || holds_mount
            }
            Source::Keys(_) | Source::Empty => rest.is_empty() || rest == "/",
        }
    }

    pub fn exists(&self, files: &Files, path: &str) -> bool {
        self.is_dir(files, path) || self.read(files, path).is_ok()
    }

    /// Names in a directory, sorted, with whether each is a directory.
    pub fn list(&self, files: &Files, path: &str) -> Result<Vec<(String, bool)>, Errno> {
        if !self.is_dir(files, path) {
            return if self.read(files, path).is_ok() { Err(Errno::NotDir) } else { Err(Errno::NotFound) };
        }
        let mut out: BTreeMap<String, bool> = BTreeMap::new();
        let (i, rest) = self.resolve(path);
        let m = &self.mounts[i];
        let mut hidden = Vec::new();
        match &m.source {
            Source::Tree { backing, generation, root } => {
                let p = Self::tree_path(root, &rest);
                if m.path == "/" {
                    let prefix = if p == "/" { "/".to_string() } else { format!("{p}/") };
                    for d in IMAGE_DIRS.iter().map(|d| d.to_string()).chain(self.image.keys().cloned()) {
                        if let Some(r) = d.strip_prefix(&prefix) {
                            let name = r.split('/').next().unwrap_or(r);
                            if !name.is_empty() {
                                let is_dir = r.contains('/') || IMAGE_DIRS.contains(&d.as_str());
                                out.insert(name.to_string(), is_dir);
                            }
                        }
                    }
                }
                if let Some(t) = files.tree(backing, *generation) {
                    for (name, kind) in t.children(&p) {
                        match kind {
                            Some(is_dir) => {
                                out.insert(name, is_dir);
                            }
                            None => hidden.push(name),
                        }
                    }
                }
            }
            Source::Keys(keys) => {
                for k in keys.keys() {
                    out.insert(k.clone(), false);
                }
            }
            Source::Empty => {}
        }
        for h in hidden {
            out.remove(&h);
        }
        // Mount points directly under this directory.
        let prefix = if path == "/" { "/".to_string() } else { format!("{}/", path.trim_end_matches('/')) };
        for mm in &self.mounts {
            if let Some(r) = mm.path.strip_prefix(&prefix)
                && !r.is_empty()
            {
                out.insert(r.split('/').next().unwrap_or(r).to_string(), true);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// The writable tree behind `path`, with the path inside it; refuses read-only places.
    fn writable<'a>(&self, files: &'a mut Files, path: &str) -> Result<(&'a mut super::Tree, String, bool), Errno> {
        let (i, rest) = self.resolve(path);
        let m = &self.mounts[i];
        if m.read_only {
            return Err(Errno::ReadOnly);
        }
        match &m.source {
            Source::Tree { backing, generation, root } => {
                let p = Self::tree_path(root, &rest);
                let root_mount = m.path == "/";
                Ok((files.tree_mut(backing, *generation), p, root_mount))
            }
            _ => Err(Errno::ReadOnly),
        }
    }

    fn parent_ok(&self, files: &Files, path: &str) -> Result<(), Errno> {
        let parent = match path.rfind('/') {
            Some(0) => "/".to_string(),
            Some(i) => path[..i].to_string(),
            None => "/".to_string(),
        };
        if self.is_dir(files, &parent) {
            Ok(())
        } else if self.exists(files, &parent) {
            Err(Errno::NotDir)
        } else {
            Err(Errno::NotFound)
        }
    }

    pub fn write(&self, files: &mut Files, path: &str, contents: &str, append: bool) -> Result<(), Errno> {
        if self.is_dir(files, path) {
            return Err(Errno::IsDir);
        }
        self.parent_ok(files, path)?;
        let existing = if append { self.read(files, path).unwrap_or_default() } else { String::new() };
        let (tree, p, _) = self.writable(files, path)?;
        tree.write(&p, format!("{existing}{contents}"))
            .map_err(|e| if e == "File too large" { Errno::TooLarge } else { Errno::NoSpace })
    }

    pub fn mkdir(&self, files: &mut Files, path: &str, parents: bool) -> Result<(), Errno> {
        if self.exists(files, path) {
            return if parents && self.is_dir(files, path) { Ok(()) } else { Err(Errno::Exists) };
        }
        if parents {
            let mut at = String::new();
            for part in path.trim_start_matches('/').split('/') {
                at = format!("{at}/{part}");
                if !self.exists(files, &at) {
                    let (tree, p, _) = self.writable(files, &at)?;
                    tree.mkdir(&p).map_err(|_| Errno::NoSpace)?;
                }
            }
            return Ok(());
        }
        self.parent_ok(files, path)?;
        let (tree, p, _) = self.writable(files, path)?;
        tree.mkdir(&p).map_err(|_| Errno::NoSpace)
    }

    pub fn remove(&self, files: &mut Files, path: &str, recursive: bool) -> Result<(), Errno> {
        if self.mounts.iter().any(|m| m.path == path) {
            return Err(Errno::ReadOnly);
        }
        if !self.exists(files, path) {
            return Err(Errno::NotFound);
        }
        if self.is_dir(files, path) && !recursive {
            return Err(Errno::IsDir);
        }
        let in_image = self.image.contains_key(path) || IMAGE_DIRS.contains(&path);
        let (tree, p, root_mount) = self.writable(files, path)?;
        tree.remove(&p, recursive, root_mount && in_image);
        Ok(())
    }

    /// Bytes used on a mount, for `df`.
    pub fn used_kib(&self, files: &Files, m: &Mount) -> u64 {
        match &m.source {
            Source::Tree { backing, generation, .. } => {
                files.tree(backing, *generation).map_or(0, |t| t.used_bytes() as u64).div_ceil(1024)
            }
            Source::Keys(k) => k.values().map(|v| v.len() as u64).sum::<u64>().div_ceil(1024),
            Source::Empty => 0,
        }
    }
}

impl Cluster {
    /// The container's root: its current instance's writable layer over the image.
    pub(crate) fn layer_mount(&self, pod: &Pod, container: &str) -> Mount {
        let work = self.kubelet.pod(&pod.metadata.uid);
        let instance =
            work.and_then(|w| w.containers.iter().find(|c| c.name == container)).map_or(0, |c| c.restarts as u64);
        Mount {
            path: "/".into(),
            source: Source::Tree {
                backing: Backing::Layer { pod: pod.metadata.uid.clone(), container: container.into() },
                generation: instance,
                root: "/".into(),
            },
            read_only: false,
            volume: String::new(),
            device: "overlay".into(),
            fs_type: "overlay",
            size_kib: NODE_DISK_KIB,
        }
    }

    /// The file system of a running container: the image, its writable layer, and its volumes.
    pub(crate) fn container_fs(&self, pod: &Pod, container: &str) -> ContainerFs {
        let ns = pod.metadata.namespace.as_str();
        let mut mounts = vec![self.layer_mount(pod, container)];
        let Some(spec) = pod.spec.containers.iter().find(|c| c.name == container) else {
            return ContainerFs { mounts, image: BTreeMap::new() };
        };
        for vm in &spec.volume_mounts {
            let Some(v) = pod.spec.volumes.iter().find(|v| v.name == vm.name) else { continue };
            let (source, device, fs_type, size_kib, forced_ro) = self.volume_source(pod, v, &vm.sub_path);
            let read_only = forced_ro || vm.read_only == Some(true);
            mounts.push(Mount {
                path: normalize("/", &vm.mount_path),
                source,
                read_only,
                volume: v.name.clone(),
                device,
                fs_type,
                size_kib,
            });
        }
        let mut image = BTreeMap::new();
        image.insert(
            "/etc/hostname".to_string(),
            format!("{}\n", if pod.spec.hostname.is_empty() { &pod.metadata.name } else { &pod.spec.hostname }),
        );
        image.insert(
            "/etc/hosts".to_string(),
            format!(
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{}\t{}\n",
                pod.status.pod_ip, pod.metadata.name
            ),
        );
        image.insert(
            "/etc/resolv.conf".to_string(),
            format!(
                "search {ns}.svc.{d} svc.{d} {d}\nnameserver {}\noptions ndots:5\n",
                crate::network::dns::DNS_SERVICE_IP,
                d = crate::network::dns::CLUSTER_DOMAIN
            ),
        );
        let catalogued = crate::images::lookup(&spec.image);
        let busybox = catalogued.is_some_and(|i| {
            let full = crate::controllers::kubelet::normalize_image(&spec.image);
            i.userland_at(crate::images::tag(&full)) == crate::images::Userland::Busybox
        });
        let os = if busybox {
            "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.21.0\n"
        } else {
            "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
        };
        image.insert("/etc/os-release".to_string(), os.to_string());
        for (path, text) in catalogued.map_or(&[][..], |i| i.files) {
            image.insert(path.to_string(), text.to_string());
        }
        ContainerFs { mounts, image }
    }

    /// Where a pod volume's files live (at `sub_path` inside it), what `mount` calls it, its size
    /// in KiB, and whether it is read-only whatever the mount says (configMap, secret).
    pub(crate) fn volume_source(
        &self,
        pod: &Pod,
        v: &crate::api::storage::Volume,
        sub_path: &str,
    ) -> (Source, String, &'static str, u64, bool) {
        use base64::Engine as _;
        let ns = pod.metadata.namespace.as_str();
        let node = pod.spec.node_name.as_str();
        let boot = u64::from(self.machines.get(node).boot);
        let node_kib = NODE_DISK_KIB;
        let sub = sub_path.trim_matches('/');
        let at = |root: &str| if sub.is_empty() { root.to_string() } else { normalize("/", &format!("{root}/{sub}")) };
        let mut read_only = false;
        let (source, device, fs_type, size_kib) = if let Some(ed) = &v.empty_dir {
            let memory = ed.medium == "Memory";
            let generation = if memory { boot } else { 0 };
            let backing = Backing::EmptyDir { pod: pod.metadata.uid.clone(), volume: v.name.clone() };
            let size = ed.size_limit.as_ref().and_then(|q| q.value()).map_or(node_kib, |b| (b / 1024) as u64);
            (
                Source::Tree { backing, generation, root: at("/") },
                if memory { "tmpfs" } else { "/dev/vda1" }.to_string(),
                if memory { "tmpfs" } else { "ext4" },
                size,
            )
        } else if let Some(hp) = &v.host_path {
            (
                Source::Tree { backing: Backing::NodeDisk { node: node.into() }, generation: 0, root: at(&hp.path) },
                "/dev/vda1".into(),
                "ext4",
                node_kib,
            )
        } else if let Some(cm) = &v.config_map {
            read_only = true;
            let data = self
                .store
                .get::<ConfigMap>(&ObjectKey::new(ns, cm.name.as_str()))
                .map(|c| c.data.clone())
                .unwrap_or_default();
            (Source::Keys(project(&data, &cm.items)), "tmpfs".into(), "tmpfs", 65536)
        } else if let Some(sec) = &v.secret {
            read_only = true;
            let data: BTreeMap<String, String> = self
                .store
                .get::<Secret>(&ObjectKey::new(ns, sec.secret_name.as_str()))
                .map(|s| {
                    s.data
                        .iter()
                        .map(|(k, v)| {
                            let plain = base64::engine::general_purpose::STANDARD.decode(v.trim()).unwrap_or_default();
                            (k.clone(), String::from_utf8_lossy(&plain).into_owned())
                        })
                        .collect()
                })
                .unwrap_or_default();
            (Source::Keys(project(&data, &sec.items)), "tmpfs".into(), "tmpfs", 65536)
        } else if let Some(c) = &v.persistent_volume_claim {
            read_only |= c.read_only;
            let pv = self
                .store
                .get::<PersistentVolumeClaim>(&ObjectKey::new(ns, c.claim_name.as_str()))
                .filter(|c| !c.spec.volume_name.is_empty())
                .and_then(|c| self.store.get::<PersistentVolume>(&ObjectKey::cluster(c.spec.volume_name.as_str())));
            match pv {
                Some(pv) => {
                    let size =
                        pv.spec.capacity.get("storage").and_then(|q| q.value()).map_or(1 << 20, |b| (b / 1024) as u64);
                    if let Some(hp) = &pv.spec.host_path {
                        (
                            Source::Tree {
                                backing: Backing::NodeDisk { node: node.into() },
                                generation: 0,
                                root: at(&hp.path),
                            },
                            "/dev/vda1".into(),
                            "ext4",
                            node_kib,
                        )
                    } else {
                        let device = format!("/dev/disk/by-id/{}", pv.metadata.name);
                        (
                            Source::Tree {
                                backing: Backing::NetworkDisk { volume: pv.metadata.name.clone() },
                                generation: 0,
                                root: at("/"),
                            },
                            device,
                            "ext4",
                            size,
                        )
                    }
                }
                None => (Source::Empty, "none".into(), "none", 0),
            }
        } else {
            read_only = true;
            (Source::Empty, v.kind().to_string(), "tmpfs", 0)
        };
        (source, device, fs_type, size_kib, read_only)
    }
}

/// A ConfigMap's or Secret's keys as files: every key, or the listed items at their paths.
fn project(data: &BTreeMap<String, String>, items: &[crate::api::storage::KeyToPath]) -> BTreeMap<String, String> {
    if items.is_empty() {
        return data.clone();
    }
    items.iter().filter_map(|i| data.get(&i.key).map(|v| (i.path.clone(), v.clone()))).collect()
}
