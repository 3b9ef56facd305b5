//! Files: what containers read and write, and where it lives. Every container instance has its
//! own writable layer over its image; volumes map paths onto storage with lifetimes of their own
//! (an emptyDir lives as long as its pod, a hostPath as long as its node's disk, a network-backed
//! PersistentVolume as long as the volume). This is what makes "what survives" answerable.
//!
//! Storage is created lazily and checked against its owner's generation when touched: a layer
//! belongs to one container instance (a restart gets a fresh one), a memory-backed emptyDir to one
//! boot of its machine.

pub mod mounts;

use std::collections::BTreeMap;

use crate::api::Uid;

/// Where a tree of files lives.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Backing {
    /// A container's writable layer (one per container instance).
    Layer { pod: Uid, container: String },
    /// A pod's emptyDir volume.
    EmptyDir { pod: Uid, volume: String },
    /// A node's own disk (hostPath volumes, and hostPath PersistentVolumes).
    NodeDisk { node: String },
    /// A network disk: a dynamically provisioned or network-backed PersistentVolume.
    NetworkDisk { volume: String },
}

#[derive(Clone, PartialEq, Eq, Debug)]
enum Entry {
    Dir,
    File(String),
    /// A file or directory of the image that the layer deleted.
    Whiteout,
}

/// A tree of files, and the generation it belongs to (a container instance, a machine boot).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Tree {
    generation: u64,
    entries: BTreeMap<String, Entry>,
}

/// All the storage in the cluster.
#[derive(Clone, Debug, Default)]
pub struct Files {
    trees: BTreeMap<Backing, Tree>,
    /// Bumped whenever a tree may change: what a reader that keeps copies of file lists (the
    /// view) checks before it trusts them.
    changes: u64,
}

/// Bounds: what a learner can write in the simulation.
pub const MAX_FILE_BYTES: usize = 64 * 1024;
pub const MAX_ENTRIES_PER_TREE: usize = 2000;

impl Files {
    /// The tree for `backing` in `generation`; a tree from an older generation is replaced by an
    /// empty one (its owner's earlier life ended).
    pub fn tree_mut(&mut self, backing: &Backing, generation: u64) -> &mut Tree {
        self.changes += 1;
        let t = self.trees.entry(backing.clone()).or_default();
        if t.generation != generation {
            *t = Tree { generation, entries: BTreeMap::new() };
        }
        t
    }

    /// The tree for `backing` as of `generation`, if it has anything.
    pub fn tree(&self, backing: &Backing, generation: u64) -> Option<&Tree> {
        self.trees.get(backing).filter(|t| t.generation == generation)
    }

    /// Forgets storage whose owner is gone.
    pub fn drop_where(&mut self, gone: impl Fn(&Backing) -> bool) {
        let before = self.trees.len();
        self.trees.retain(|b, _| !gone(b));
        // Most removed pods kept no files: nothing changed, and the view's copies stay good.
        if self.trees.len() != before {
            self.changes += 1;
        }
    }

    /// How many times any tree may have changed.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    pub fn trees(&self) -> impl Iterator<Item = (&Backing, &Tree)> {
        self.trees.iter()
    }
}

impl Tree {
    pub fn get_file(&self, path: &str) -> Option<Option<&str>> {
        match self.entries.get(path) {
            Some(Entry::File(s)) => Some(Some(s)),
            Some(Entry::Dir) => Some(None),
            Some(Entry::Whiteout) | None => None,
        }
    }

    /// Whether the path was deleted over an image's lower layer.
    pub fn is_whiteout(&self, path: &str) -> bool {
        matches!(self.entries.get(path), Some(Entry::Whiteout))
    }

    pub fn is_dir(&self, path: &str) -> bool {
        path == "/" || matches!(self.entries.get(path), Some(Entry::Dir))
    }

    pub fn exists(&self, path: &str) -> bool {
        path == "/" || matches!(self.entries.get(path), Some(Entry::Dir | Entry::File(_)))
    }

    pub fn write(&mut self, path: &str, contents: String) -> Result<(), &'static str> {
        if contents.len() > MAX_FILE_BYTES {
            return Err("File too large");
        }
        if !self.entries.contains_key(path) && self.entries.len() >= MAX_ENTRIES_PER_TREE {
            return Err("No space left on device");
        }
        self.entries.insert(path.to_string(), Entry::File(contents));
        Ok(())
    }

    pub fn mkdir(&mut self, path: &str) -> Result<(), &'static str> {
        if self.entries.len() >= MAX_ENTRIES_PER_TREE {
            return Err("No space left on device");
        }
        self.entries.insert(path.to_string(), Entry::Dir);
        Ok(())
    }

    /// Removes a path (and, with `recursive`, everything under it); leaves a whiteout when the
    /// path also exists in a lower layer.
    pub fn remove(&mut self, path: &str, recursive: bool, lower_has_it: bool) {
        if recursive {
            let prefix = format!("{}/", path.trim_end_matches('/'));
            self.entries.retain(|k, _| !k.starts_with(&prefix));
        }
        if lower_has_it {
            self.entries.insert(path.to_string(), Entry::Whiteout);
        } else {
            self.entries.remove(path);
        }
    }

    /// Names directly under `dir` (files and directories), and whether each is a directory;
    /// whiteouts come back as `None` so a caller can hide the lower layer's entry.
    pub fn children(&self, dir: &str) -> Vec<(String, Option<bool>)> {
        let prefix = if dir == "/" { "/".to_string() } else { format!("{}/", dir.trim_end_matches('/')) };
        let mut out = Vec::new();
        for (k, e) in self.entries.range(prefix.clone()..) {
            let Some(rest) = k.strip_prefix(&prefix) else { break };
            if rest.is_empty() {
                continue;
            }
            let name = rest.split('/').next().unwrap_or(rest);
            let is_direct = !rest.contains('/');
            let entry = match (is_direct, e) {
                (true, Entry::Whiteout) => None,
                (true, Entry::Dir) => Some(true),
                (true, Entry::File(_)) => Some(false),
                // A deeper path implies the directory between.
                (false, _) => Some(true),
            };
            if out.last().is_none_or(|(n, _): &(String, Option<bool>)| n != name) {
                out.push((name.to_string(), entry));
            }
        }
        out
    }

    /// Bytes used, for `df`.
    pub fn used_bytes(&self) -> usize {
        self.entries.values().map(|e| if let Entry::File(s) = e { s.len() } else { 0 }).sum()
    }

    /// Every file with its contents, for the page's view of a volume.
    pub fn files(&self) -> Vec<(String, String)> {
        self.first_files(usize::MAX)
    }

    /// The first `n` files in path order, for a view that shows only a few.
    pub fn first_files(&self, n: usize) -> Vec<(String, String)> {
        self.entries
            .iter()
            .filter_map(|(k, e)| if let Entry::File(s) = e { Some((k.clone(), s.clone())) } else { None })
            .take(n)
            .collect()
    }

    pub fn file_count(&self) -> usize {
        self.entries.values().filter(|e| matches!(e, Entry::File(_))).count()
    }
}

/// Normalises a path against a working directory: `a/../b`, `./x`, `//x`.
pub fn normalize(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') { path.to_string() } else { format!("{}/{path}", cwd.trim_end_matches('/')) };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise() {
        assert_eq!(normalize("/", "data/x"), "/data/x");
        assert_eq!(normalize("/data", "../etc/./hosts"), "/etc/hosts");
        assert_eq!(normalize("/", "//a//b/"), "/a/b");
        assert_eq!(normalize("/", ".."), "/");
    }

    #[test]
    fn a_new_generation_starts_empty() {
        let mut f = Files::default();
        let b = Backing::Layer { pod: Uid("p".into()), container: "c".into() };
        f.tree_mut(&b, 0).write("/x", "1".into()).unwrap();
        assert_eq!(f.tree(&b, 0).unwrap().get_file("/x"), Some(Some("1")));
        assert!(f.tree(&b, 1).is_none());
        assert!(f.tree_mut(&b, 1).get_file("/x").is_none(), "a restarted container gets a fresh layer");
    }

    #[test]
    fn children_list_files_and_implied_directories() {
        let mut t = Tree::default();
        t.write("/data/a", "x".into()).unwrap();
        t.write("/data/sub/b", "y".into()).unwrap();
        t.mkdir("/data/empty").unwrap();
        let names: Vec<_> = t.children("/data");
        assert_eq!(names, [("a".into(), Some(false)), ("empty".into(), Some(true)), ("sub".into(), Some(true))]);
        t.remove("/data/sub", true, false);
        assert_eq!(t.children("/data").len(), 2);
    }

    #[test]
    fn bounded() {
        let mut t = Tree::default();
        assert_eq!(t.write("/big", "x".repeat(MAX_FILE_BYTES + 1)), Err("File too large"));
    }
}
