//! The state of an `analyze` run, so that a killed run resumes where it
//! stopped.
//!
//! `OUT/.policy-lens/journal.jsonl` starts with a header (model and options:
//! a run with other settings starts afresh) and gets one line per
//! *committed* group of inputs: their names and content hashes, the byte
//! lengths of `articles.jsonl`, `errors.jsonl` and the text store at that
//! point, and the running counts. A group is committed only after its
//! records were written and flushed. On resume the output files are cut
//! back to the last committed lengths (so no half-written line survives a
//! kill) and committed inputs are skipped by content hash.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::report::summary::RunCounts;

/// What must match for a run to resume instead of starting afresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunKey {
    /// Journal format.
    pub version: u32,
    /// sha256 of the model weights.
    pub weights_sha256: String,
    /// Thresholds and other options, as text.
    pub settings: String,
}

/// One committed group of inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// `(input name, sha256 of its bytes)` of each input in the group.
    pub inputs: Vec<(String, String)>,
    /// Length of `articles.jsonl` after the group.
    pub articles_end: u64,
    /// Length of `errors.jsonl` after the group.
    pub errors_end: u64,
    /// Length of the text store after the group.
    pub texts_end: u64,
    /// Running counts after the group.
    pub counts: RunCounts,
}

/// The journal of one output directory.
pub struct Journal {
    path: PathBuf,
    file: File,
    committed: HashSet<(String, String)>,
    last: Option<Commit>,
}

/// The hidden state directory of an output directory.
pub fn state_dir(out: &Path) -> PathBuf {
    out.join(".policy-lens")
}

impl Journal {
    /// Open the journal of `out`: resume it when its key matches `key`,
    /// else start a new one (and report `false`).
    pub fn open(out: &Path, key: &RunKey) -> Result<(Self, bool)> {
        let dir = state_dir(out);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join("journal.jsonl");
        let mut committed = HashSet::new();
        let mut last = None;
        let mut resumed = false;
        if let Ok(f) = File::open(&path) {
            let mut lines = BufReader::new(f).lines();
            let header: Option<RunKey> = lines
                .next()
                .and_then(|l| l.ok())
                .and_then(|l| serde_json::from_str(&l).ok());
            if header.as_ref() == Some(key) {
                resumed = true;
                for line in lines {
                    // A torn last line (kill during the append) is ignored.
                    let Ok(c) = line
                        .map_err(|_| ())
                        .and_then(|l| serde_json::from_str::<Commit>(&l).map_err(|_| ()))
                    else {
                        break;
                    };
                    committed.extend(c.inputs.iter().cloned());
                    last = Some(c);
                }
            }
        }
        // Rewrite the journal: header plus the intact commits.
        let tmp = dir.join("journal.jsonl.tmp");
        {
            let mut f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
            let mut text = serde_json::to_string(key).expect("json") + "\n";
            if resumed {
                if let Ok(f0) = File::open(&path) {
                    for line in BufReader::new(f0).lines().skip(1).map_while(|l| l.ok()) {
                        if serde_json::from_str::<Commit>(&line).is_err() {
                            break;
                        }
                        text += &line;
                        text.push('\n');
                    }
                }
            }
            f.write_all(text.as_bytes())
                .and_then(|_| f.sync_all())
                .map_err(|e| Error::io(&tmp, e))?;
        }
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        Ok((
            Self {
                path,
                file,
                committed,
                last,
            },
            resumed,
        ))
    }

    /// Whether an input (name, content hash) was committed by an earlier run.
    pub fn is_committed(&self, name: &str, hash: &str) -> bool {
        self.committed
            .contains(&(name.to_string(), hash.to_string()))
    }

    /// The last commit, if any.
    pub fn last(&self) -> Option<&Commit> {
        self.last.as_ref()
    }

    /// Record a committed group (after its outputs were flushed).
    pub fn commit(&mut self, c: Commit) -> Result<()> {
        let line = serde_json::to_string(&c).expect("json") + "\n";
        self.file
            .write_all(line.as_bytes())
            .and_then(|_| self.file.sync_data())
            .map_err(|e| Error::io(&self.path, e))?;
        self.committed.extend(c.inputs.iter().cloned());
        self.last = Some(c);
        Ok(())
    }
}

/// Open `path` for appending after cutting it to `len` bytes (creating it
/// when missing).
pub fn open_truncated(path: &Path, len: u64) -> Result<File> {
    let f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    f.set_len(len).map_err(|e| Error::io(path, e))?;
    Ok(f)
}

/// sha256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
