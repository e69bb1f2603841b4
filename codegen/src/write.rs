//! Stage 5: write generated code to files, atomically.
//!
//! Every file is written to a temporary file in the same folder and renamed over the target,
//! so a failure (or a crash) never leaves half-written output over a previous good one.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `contents` to `path` atomically; unchanged files are not touched (keeps mtimes).
pub fn atomic(path: &Path, contents: &str) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(());
    }
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tidings-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(io)?;
    tmp.write_all(contents.as_bytes()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// The files of a standalone crate, relative to its folder.
pub struct CrateFiles {
    /// `(relative path, contents)`.
    pub files: Vec<(PathBuf, String)>,
}

impl CrateFiles {
    /// Writes every file under `dir`; nothing is written unless all were generated.
    pub fn write(&self, dir: &Path) -> Result<()> {
        for (rel, contents) in &self.files {
            atomic(&dir.join(rel), contents)?;
        }
        Ok(())
    }
}

/// Whether `dir` lies inside a Cargo workspace that would claim a crate placed there.
pub fn inside_workspace(dir: &Path) -> bool {
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    };
    abs.ancestors().skip(1).any(|a| {
        std::fs::read_to_string(a.join("Cargo.toml"))
            .is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]"))
    })
}
