//! Expanding command-line paths into inputs.

use std::fs;
use std::path::{Path, PathBuf};

use super::Input;
use crate::IngestError;

/// Expands CLI paths: files as-is, folders recursively (entries sorted by
/// name, hidden files and folders skipped), `-` as [`Input::Stdin`].
///
/// Files found under a folder are returned as `ROOT/./RELATIVE` so that
/// [`super::read_input`] can derive ids relative to the given root; the
/// `/./` marker is harmless to the file system and removed from origins.
///
/// Missing paths, unreadable files or folders, broken symlinks, symlink
/// loops and non-regular files inside folders become [`IngestError`]s (never
/// a panic, never silently dropped).
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<IngestError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match fs::metadata(p) {
            Err(e) => errors.push(access_error(p, &e)),
            Ok(md) if md.is_dir() => {
                let mut stack = Vec::new();
                walk(p, p, &mut stack, &mut inputs, &mut errors);
            }
            Ok(_) => match fs::File::open(p) {
                Ok(_) => inputs.push(Input::File(p.clone())),
                Err(e) => errors.push(IngestError::file(
                    p.display().to_string(),
                    format!("cannot read: {e}"),
                )),
            },
        }
    }
    (inputs, errors)
}

fn access_error(p: &Path, e: &std::io::Error) -> IngestError {
    let is_link = fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    let reason = if e.raw_os_error() == Some(40) {
        format!("symlink loop: {e}")
    } else if is_link && e.kind() == std::io::ErrorKind::NotFound {
        format!("broken symlink: {e}")
    } else {
        format!("cannot access: {e}")
    };
    IngestError::file(p.display().to_string(), reason)
}

fn walk(
    root: &Path,
    dir: &Path,
    stack: &mut Vec<PathBuf>,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<IngestError>,
) {
    let canon = match fs::canonicalize(dir) {
        Ok(c) => c,
        Err(e) => {
            errors.push(access_error(dir, &e));
            return;
        }
    };
    if let Some(prev) = stack.iter().find(|s| **s == canon) {
        errors.push(IngestError::file(
            dir.display().to_string(),
            format!("symlink loop: folder leads back to {}", prev.display()),
        ));
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push(IngestError::file(
                dir.display().to_string(),
                format!("cannot read folder: {e}"),
            ));
            return;
        }
    };
    let mut names = Vec::new();
    for entry in entries {
        match entry {
            Ok(en) => names.push(en.file_name()),
            Err(e) => errors.push(IngestError::file(
                dir.display().to_string(),
                format!("cannot read folder entry: {e}"),
            )),
        }
    }
    names.sort();
    stack.push(canon);
    for name in names {
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = dir.join(&name);
        match fs::metadata(&path) {
            Err(e) => errors.push(access_error(&path, &e)),
            Ok(md) if md.is_dir() => walk(root, &path, stack, inputs, errors),
            Ok(md) if md.is_file() => match fs::File::open(&path) {
                Ok(_) => {
                    let rel = path.strip_prefix(root).unwrap_or(&path);
                    inputs.push(Input::File(root.join(".").join(rel)));
                }
                Err(e) => errors.push(IngestError::file(
                    path.display().to_string(),
                    format!("cannot read: {e}"),
                )),
            },
            Ok(_) => errors.push(IngestError::file(
                path.display().to_string(),
                "not a regular file",
            )),
        }
    }
    stack.pop();
}
