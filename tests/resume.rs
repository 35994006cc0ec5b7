//! A run killed with SIGKILL resumes when the same command is run again,
//! and ends with the same records as an uninterrupted run.

mod common;
use common::bin;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn days() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/cctv-2022");
    [
        "20220301", "20220302", "20220303", "20220304", "20220305", "20220306",
    ]
    .iter()
    .map(|d| dir.join(format!("{d}.md")))
    .collect()
}

fn analyze(out: &Path) -> Command {
    let mut c = bin();
    c.arg("analyze")
        .args(days())
        .arg("--out")
        .arg(out)
        .args(["--chunk-articles", "8"]);
    c
}

fn sorted_lines(p: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn commits(out: &Path) -> usize {
    std::fs::read_to_string(out.join(".policy-lens/journal.jsonl"))
        .map(|t| t.lines().count().saturating_sub(1))
        .unwrap_or(0)
}

#[test]
fn killed_run_resumes_to_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let o = analyze(&whole).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let total_commits = commits(&whole);
    assert!(total_commits > 4, "the run must commit in several steps");

    let killed = dir.path().join("killed");
    let mut child = analyze(&killed)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    // Kill it once some, but not all, inputs are committed.
    while commits(&killed) < 3 && start.elapsed() < Duration::from_secs(300) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!killed.join("summary.md").exists(), "killed before the end");
    let partial = commits(&killed);
    assert!(
        partial < total_commits,
        "killed mid-run ({partial} of {total_commits} commits)"
    );

    let o = analyze(&killed).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        sorted_lines(&killed.join("articles.jsonl")),
        sorted_lines(&whole.join("articles.jsonl"))
    );
    assert_eq!(
        sorted_lines(&killed.join("errors.jsonl")),
        sorted_lines(&whole.join("errors.jsonl"))
    );
    // Same counts line.
    let last = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .last()
            .unwrap()
            .to_string()
    };
    let again = analyze(&whole).output().unwrap();
    assert_eq!(
        last(&o),
        last(&again),
        "a rerun of a finished run changes nothing"
    );
    assert_eq!(
        std::fs::read(killed.join("summary.md")).unwrap(),
        std::fs::read(whole.join("summary.md")).unwrap()
    );
}
