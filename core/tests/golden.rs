//! Golden outputs: each file in tests/golden is a console session (`$ line` followed by what it
//! printed, stdout then stderr), replayed against a fresh cluster and compared byte for byte. The
//! expected outputs follow kubectl's real formats; `PODSCAPE_BLESS=1 cargo test --test golden`
//! rewrites them after an intended change (then read the diff).
//!
//! A file may start with `# empty` (only the nodes and system services) or `# seed N`.

use std::path::PathBuf;

use podscape_core::{Cluster, Config, NoFiles};

struct Case {
    line: String,
    expected: String,
}

fn parse(text: &str) -> (Config, Vec<Case>) {
    let mut config = Config::default();
    let mut cases: Vec<Case> = Vec::new();
    for l in text.split_inclusive('\n') {
        if let Some(line) = l.strip_prefix("$ ") {
            cases.push(Case { line: line.trim_end().to_string(), expected: String::new() });
        } else if let Some(last) = cases.last_mut() {
            last.expected.push_str(l);
        } else if l.trim() == "# empty" {
            config.empty = true;
        } else if let Some(seed) = l.trim().strip_prefix("# seed ") {
            config.seed = seed.parse().expect("seed");
        }
    }
    (config, cases)
}

#[test]
fn console_sessions_print_what_kubectl_prints() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/golden");
    let bless = std::env::var_os("PODSCAPE_BLESS").is_some();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let (config, cases) = parse(&text);
        let header: String = text.split_inclusive('\n').take_while(|l| !l.starts_with("$ ")).collect();
        let mut c = Cluster::new(config);
        let mut blessed = header;
        for case in &cases {
            let out = c.run(&case.line, &NoFiles);
            let got = format!("{}{}", out.stdout, out.stderr);
            // A session file reads better with each answer on its own lines.
            let got = if got.is_empty() || got.ends_with('\n') { got } else { format!("{got}\n") };
            if got != case.expected {
                failures.push(format!(
                    "{}: `{}`\n--- expected\n{}--- got\n{}",
                    path.display(),
                    case.line,
                    case.expected,
                    got
                ));
            }
            blessed.push_str(&format!("$ {}\n{got}", case.line));
        }
        if bless {
            std::fs::write(&path, blessed).unwrap();
        }
    }
    if !bless {
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
