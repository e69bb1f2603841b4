//! Earlier versions of spec files, read from git history through the `git` command line.
//!
//! Everything here runs `git` as a child process (no git library): revisions are resolved to
//! full hashes before use, paths are passed as literal pathspecs, and old trees are written to
//! a folder of the caller's choice so the ordinary loader can read them, `$ref`s to sibling
//! files included.
//!
//! Paths "in the repository" are relative to its top-level folder; `/` or the platform's
//! separator may be used.
//!
//! [`history`] is the transitive check behind `tidings diff --history`: the working spec
//! against every earlier commit of it.

use std::ffi::OsStr;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use super::{diff_catalogs, Options, Report};
use crate::error::{Error, Result};
use crate::source::LoadOptions;

/// The top-level folder of the work tree that contains `dir` (`git rev-parse --show-toplevel`).
pub fn repo_root(dir: &Path) -> io::Result<PathBuf> {
    let out = run(git(dir).args(["rev-parse", "--show-toplevel"]))?;
    let top = text(&out);
    if top.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} is not inside a git work tree", dir.display()),
        ));
    }
    Ok(PathBuf::from(top))
}

/// The best common ancestor of revisions `a` and `b`, as a full hash (`git merge-base`).
///
/// Fails if either revision is unknown or the two histories share no commit.
pub fn merge_base(repo: &Path, a: &str, b: &str) -> io::Result<String> {
    let a = resolve_rev(repo, a)?;
    let b = resolve_rev(repo, b)?;
    let out = git(repo).args(["merge-base", &a, &b]).output()?;
    let base = text(&out.stdout);
    if !out.status.success() || base.is_empty() {
        let why = text(&out.stderr);
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            if why.is_empty() {
                format!("{a} and {b} have no common ancestor")
            } else {
                why
            },
        ));
    }
    Ok(base)
}

/// The full hash of the commit `rev` names (a branch, tag, hash, `HEAD~2`, ...).
///
/// An unknown revision is an error of kind [`io::ErrorKind::NotFound`]. Revisions that look
/// like options (a leading `-`) are refused.
pub fn resolve_rev(repo: &Path, rev: &str) -> io::Result<String> {
    if rev.is_empty() || rev.starts_with('-') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid revision `{rev}`"),
        ));
    }
    let out = git(repo)
        .args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("{rev}^{{commit}}"))
        .output()?;
    let hash = text(&out.stdout);
    if out.status.success() && !hash.is_empty() {
        return Ok(hash);
    }
    let why = text(&out.stderr);
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        if why.is_empty() {
            format!("unknown revision `{rev}`")
        } else {
            format!("unknown revision `{rev}`: {why}")
        },
    ))
}

/// The commits that changed `file`, newest first, as full hashes
/// (`git log --format=%H --follow -- file`): renames are followed.
///
/// `file` is relative to `repo`, or absolute (inside the repository).
pub fn revisions_of(repo: &Path, file: &Path) -> io::Result<Vec<String>> {
    Ok(followed_revisions(repo, file)?
        .into_iter()
        .map(|r| r.hash)
        .collect())
}

/// Writes the folder `dir_in_repo` (relative to the repository root; empty for the root) as
/// it was at `rev` under `dest`, with the same relative layout: `specs/a.yaml` becomes
/// `dest/specs/a.yaml`. Nested folders are included; submodules are skipped.
///
/// Returns `false`, writing nothing, if there is no such folder at `rev`. An unknown `rev`
/// is an error.
pub fn materialize(repo: &Path, rev: &str, dir_in_repo: &Path, dest: &Path) -> io::Result<bool> {
    let hash = resolve_rev(repo, rev)?;
    let dir = repo_path(dir_in_repo)?;
    let tree = format!("{hash}:{dir}");
    if object_type(repo, &tree)?.as_deref() != Some("tree") {
        return Ok(false);
    }
    let listing = run(git(repo).args(["ls-tree", "-r", "-z", "--full-tree", &tree]))?;
    let base = dest.join(&dir);
    std::fs::create_dir_all(&base)?;
    let mut blobs = Vec::new();
    for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let bad = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "unexpected `git ls-tree` line: {}",
                    String::from_utf8_lossy(entry)
                ),
            )
        };
        let tab = entry.iter().position(|&b| b == b'\t').ok_or_else(bad)?;
        let meta = std::str::from_utf8(&entry[..tab]).map_err(|_| bad())?;
        let mut meta = meta.split(' ');
        let (Some(mode), Some(kind), Some(oid)) = (meta.next(), meta.next(), meta.next()) else {
            return Err(bad());
        };
        if kind != "blob" {
            continue;
        }
        let relative = bytes_to_path(&entry[tab + 1..]);
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("refusing to write tree entry `{}`", relative.display()),
            ));
        }
        blobs.push((oid.to_string(), base.join(relative), mode == "120000"));
    }
    let oids: Vec<&str> = blobs.iter().map(|(oid, _, _)| oid.as_str()).collect();
    read_blobs(repo, &oids, |i, content| {
        let (_, target, symlink) = &blobs[i];
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if *symlink {
            write_symlink(&content, target)
        } else {
            std::fs::write(target, content)
        }
    })?;
    Ok(true)
}

/// Whether `path_in_repo` (relative to the repository root) is a file at `rev`. An unknown
/// `rev` is an error.
pub fn file_exists_at(repo: &Path, rev: &str, path_in_repo: &Path) -> io::Result<bool> {
    let hash = resolve_rev(repo, rev)?;
    let path = repo_path(path_in_repo)?;
    if path.is_empty() {
        return Ok(false);
    }
    Ok(object_type(repo, &format!("{hash}:{path}"))?.as_deref() == Some("blob"))
}

/// Every file at `rev`, relative to the repository root with `/` separators
/// (`git ls-tree -r --name-only`).
pub fn files_at(repo: &Path, rev: &str) -> io::Result<Vec<String>> {
    let hash = resolve_rev(repo, rev)?;
    let out = run(git(repo).args(["ls-tree", "-r", "-z", "--name-only", "--full-tree", &hash]))?;
    Ok(split_names(&out))
}

/// Every file of the work tree that git tracks or would track (untracked files that are not
/// ignored), relative to the repository root with `/` separators. Tracked files deleted from
/// the work tree are left out. Sorted.
pub fn working_files(repo: &Path) -> io::Result<Vec<String>> {
    let root = repo_root(repo)?;
    let out = run(git(&root).args([
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
    ]))?;
    let mut names = split_names(&out);
    names.retain(|name| root.join(name).is_file());
    names.sort();
    names.dedup();
    Ok(names)
}

/// Compares the spec `spec_in_repo` as it was at `rev` (OLD) with the spec file `new`.
///
/// The root folder of its references at `rev` (`load.root`, which must be inside the
/// repository, or by default the whole repository, as for a spec in a work tree) is written
/// to a temporary folder so its `$ref`s resolve as they did then. Returns `None` if the spec is not a file at `rev`. In the report, and in diagnostics
/// about the old spec, the old file is named `REV:PATH` with the short hash of `rev`.
pub fn diff_at_rev(
    repo: &Path,
    rev: &str,
    spec_in_repo: &Path,
    new: &Path,
    load: &LoadOptions,
    options: &Options,
) -> Result<Option<Report>> {
    let io_error = |source: io::Error| Error::Io {
        path: repo.to_path_buf(),
        source,
    };
    let hash = resolve_rev(repo, rev).map_err(io_error)?;
    let short = short_hash(repo, &hash).map_err(io_error)?;
    let spec = repo_path(spec_in_repo).map_err(io_error)?;
    if !file_exists_at(repo, &hash, Path::new(&spec)).map_err(io_error)? {
        return Ok(None);
    }
    // References may reach the whole repository unless a root narrows (or names) it.
    let root_in_repo = match &load.root {
        Some(root) => relative_to_root(repo, &absolute(root)).map_err(|source| Error::Io {
            path: root.clone(),
            source,
        })?,
        None => String::new(),
    };
    let folder = PathBuf::from(&root_in_repo);
    let tmp = tempfile::Builder::new()
        .prefix("tidings-old-")
        .tempdir()
        .map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    if !materialize(repo, &hash, &folder, tmp.path()).map_err(io_error)? {
        return Ok(None);
    }
    let old = tmp.path().join(&spec);
    let label = format!("{short}:");
    // The root folder is rebased onto the old copy (which has no `.git` of its own);
    // `diff_specs` takes one set of load options for both sides, so the comparison is spelled
    // out here.
    let old_load = LoadOptions {
        root: Some(tmp.path().join(root_in_repo)),
        ..super::for_diff(load)
    };
    let compared = crate::catalog(&old, &old_load).and_then(|(old_catalog, _)| {
        let (new_catalog, _) = crate::catalog(new, &super::for_diff(load))?;
        let mut report = diff_catalogs(&old_catalog, &new_catalog, options);
        report.new = new.display().to_string();
        Ok(report)
    });
    let mut report = compared.map_err(|e| relabel_error(e, tmp.path(), &label))?;
    report.old = format!("{short}:{spec}");
    let changes = report.api.iter_mut().chain(
        report
            .messages
            .iter_mut()
            .flat_map(|m| m.changes.iter_mut()),
    );
    for change in changes {
        if let Some(at) = &mut change.at {
            at.file = relabel(&at.file, tmp.path(), &label);
        }
    }
    Ok(Some(report))
}

/// The transitive check behind `tidings diff --history`: compares the spec file `new` (inside
/// a git work tree) with its version at every earlier commit that changed it (renames
/// followed), so a chain of individually compatible steps cannot hide a break.
///
/// Returns the short hash and the report of each commit, newest first. Commits where the spec
/// does not exist (the commit deleted it) are left out. Git failures are [`Error::Io`] about
/// `new`; an unreadable old or new spec is the loader's error.
pub fn history(new: &Path, load: &LoadOptions, options: &Options) -> Result<Vec<(String, Report)>> {
    let io_error = |source: io::Error| Error::Io {
        path: new.to_path_buf(),
        source,
    };
    let dir = match new.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let root = repo_root(dir).map_err(io_error)?;
    let revisions = followed_revisions(&root, &absolute(new)).map_err(io_error)?;
    let mut reports = Vec::new();
    for revision in revisions {
        let at_rev = diff_at_rev(
            &root,
            &revision.hash,
            Path::new(&revision.path),
            new,
            load,
            options,
        )?;
        if let Some(report) = at_rev {
            reports.push((revision.short, report));
        }
    }
    Ok(reports)
}

/// One commit of a followed file, with the file's path in that commit.
struct Revision {
    hash: String,
    short: String,
    /// The commit's date (`YYYY-MM-DD`).
    date: String,
    path: String,
}

/// One step of a spec's history: what changed from the commit before to this one.
#[derive(Clone, Debug)]
pub struct Step {
    /// The commit (short hash), or `working tree` for uncommitted changes.
    pub commit: String,
    /// Its date (`YYYY-MM-DD`); empty for the working tree.
    pub date: String,
    /// The comparison of the version before with this one.
    pub report: Report,
}

/// The history of the spec file `spec` (inside a git work tree), oldest first: for each of
/// its last `limit` commits (renames followed) what changed from the version before, and
/// last the working tree's changes when it differs from the newest commit. The first
/// version has nothing before it and makes no step.
pub fn steps(
    spec: &Path,
    load: &LoadOptions,
    options: &Options,
    limit: usize,
) -> Result<Vec<Step>> {
    let io_error = |source: io::Error| Error::Io {
        path: spec.to_path_buf(),
        source,
    };
    let dir = match spec.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let root = repo_root(dir).map_err(io_error)?;
    let mut revisions = followed_revisions(&root, &absolute(spec)).map_err(io_error)?;
    revisions.truncate(limit.saturating_add(1));
    revisions.reverse();
    let load = super::for_diff(load);
    // Each version's catalog, with its commit and date.
    let mut versions = Vec::new();
    for revision in &revisions {
        let tmp = tempfile::Builder::new()
            .prefix("tidings-history-")
            .tempdir()
            .map_err(io_error)?;
        if !materialize(&root, &revision.hash, Path::new(""), tmp.path()).map_err(io_error)? {
            continue;
        }
        let file = tmp.path().join(&revision.path);
        if !file.is_file() {
            continue;
        }
        let old_load = LoadOptions {
            root: Some(tmp.path().to_path_buf()),
            ..load.clone()
        };
        let label = format!("{}:", revision.short);
        let (catalog, _) =
            crate::catalog(&file, &old_load).map_err(|e| relabel_error(e, tmp.path(), &label))?;
        let text = std::fs::read(&file).map_err(io_error)?;
        versions.push((revision.short.clone(), revision.date.clone(), catalog, text));
    }
    let working = std::fs::read(spec).map_err(io_error)?;
    if versions
        .last()
        .is_none_or(|(_, _, _, text)| *text != working)
    {
        let (catalog, _) = crate::catalog(spec, &load)?;
        versions.push(("working tree".into(), String::new(), catalog, working));
    }
    let mut steps = Vec::new();
    for pair in versions.windows(2) {
        let ((old_commit, _, old, _), (commit, date, new, _)) = (&pair[0], &pair[1]);
        let mut report = diff_catalogs(old, new, options);
        report.old = old_commit.clone();
        report.new = commit.clone();
        steps.push(Step {
            commit: commit.clone(),
            date: date.clone(),
            report,
        });
    }
    Ok(steps)
}

/// `git log --follow` of `file`, newest first, with the file's name in each commit.
fn followed_revisions(repo: &Path, file: &Path) -> io::Result<Vec<Revision>> {
    let root = repo_root(repo)?;
    let current = relative_to_root(repo, file)?;
    if current.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "expected a file, got the repository root",
        ));
    }
    let out = run(git(&root)
        .args([
            "log",
            "--format=%x01%H %h %cs",
            "--name-only",
            "-z",
            "--follow",
            "--",
        ])
        .arg(&current))?;
    let mut revisions: Vec<Revision> = Vec::new();
    let mut path = current;
    for token in out.split(|&b| b == 0) {
        let token = token.strip_prefix(b"\n").unwrap_or(token);
        if let Some(header) = token.strip_prefix(b"\x01") {
            let header = String::from_utf8_lossy(header);
            let mut parts = header.split(' ');
            let hash = parts.next().unwrap_or_default();
            let short = parts.next().unwrap_or(hash);
            let date = parts.next().unwrap_or_default();
            // A commit without a name (a merge) keeps the newer commit's name.
            revisions.push(Revision {
                hash: hash.to_string(),
                short: short.to_string(),
                date: date.to_string(),
                path: path.clone(),
            });
        } else if !token.is_empty() {
            if let Some(last) = revisions.last_mut() {
                path = bytes_to_path(token).to_string_lossy().replace('\\', "/");
                last.path = path.clone();
            }
        }
    }
    Ok(revisions)
}

/// `git -C dir` with literal pathspecs.
fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command.arg("-C").arg(dir).arg("--literal-pathspecs");
    command
}

/// Runs `command`, returning its stdout; a failure carries git's message.
fn run(command: &mut Command) -> io::Result<Vec<u8>> {
    let shown = command
        .get_args()
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ");
    let out = command
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot run `git {shown}`: {e}")))?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let why = text(&out.stderr);
    Err(io::Error::other(if why.is_empty() {
        format!("`git {shown}` failed ({})", out.status)
    } else {
        format!("`git {shown}` failed: {why}")
    }))
}

/// `git cat-file -t`: the type of the object `spec` names, `None` if there is none.
fn object_type(repo: &Path, spec: &str) -> io::Result<Option<String>> {
    let out = git(repo).args(["cat-file", "-t", spec]).output()?;
    Ok(out.status.success().then(|| text(&out.stdout)))
}

/// The abbreviated hash of the commit `rev` names, as git shortens it (`git rev-parse
/// --short`). An unknown `rev` is an error.
pub fn short_hash(repo: &Path, rev: &str) -> io::Result<String> {
    let hash = resolve_rev(repo, rev)?;
    Ok(text(&run(git(repo).args(["rev-parse", "--short", &hash]))?))
}

/// Reads blobs through one `git cat-file --batch`, handing each to `each` in order.
fn read_blobs(
    repo: &Path,
    oids: &[&str],
    mut each: impl FnMut(usize, Vec<u8>) -> io::Result<()>,
) -> io::Result<()> {
    if oids.is_empty() {
        return Ok(());
    }
    let mut child = git(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(io::Error::other("cannot talk to `git cat-file`"));
    };
    let input: String = oids.iter().map(|oid| format!("{oid}\n")).collect();
    // Written from another thread so a large answer cannot block on a full pipe.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut reader = BufReader::new(stdout);
    let mut read_all = || -> io::Result<()> {
        for (i, oid) in oids.iter().enumerate() {
            let mut header = Vec::new();
            reader.read_until(b'\n', &mut header)?;
            let header = String::from_utf8_lossy(&header);
            let size = header
                .trim_end()
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|_| !header.trim_end().ends_with(" missing"))
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("cannot read blob {oid}: {}", header.trim_end()),
                    )
                })?;
            let mut content = vec![0; size];
            reader.read_exact(&mut content)?;
            let mut newline = [0u8; 1];
            reader.read_exact(&mut newline)?;
            each(i, content)?;
        }
        Ok(())
    };
    let result = read_all();
    drop(reader);
    if result.is_err() {
        let _ = child.kill();
    }
    let status = child.wait();
    let written = writer
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("writer thread panicked")));
    result?;
    written?;
    let status = status?;
    if !status.success() {
        return Err(io::Error::other(format!(
            "`git cat-file --batch` failed ({status})"
        )));
    }
    Ok(())
}

#[cfg(unix)]
fn write_symlink(target: &[u8], link: &Path) -> io::Result<()> {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(bytes_to_path(target), link)
}

/// Symbolic links are not recreated where they need privileges.
#[cfg(not(unix))]
fn write_symlink(_target: &[u8], _link: &Path) -> io::Result<()> {
    Ok(())
}

/// A path in the repository as git spells it: `/`-separated, no `.`, `..` or root.
fn repo_path(path: &Path) -> io::Result<String> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "`{}` is not a path relative to the repository root",
                        path.display()
                    ),
                ))
            }
        }
    }
    Ok(parts.join("/"))
}

/// `path` made absolute against the current directory.
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// `path` (relative to `repo`, or absolute) relative to the repository root, `/`-separated.
fn relative_to_root(repo: &Path, path: &Path) -> io::Result<String> {
    let root = repo_root(repo)?.canonicalize()?;
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        absolute(repo).join(path)
    };
    let canonical = match absolute.canonicalize() {
        Ok(canonical) => canonical,
        // A file that no longer exists: its folder must.
        Err(_) => match (absolute.parent(), absolute.file_name()) {
            (Some(parent), Some(name)) => parent.canonicalize()?.join(name),
            _ => absolute.clone(),
        },
    };
    let inside = canonical.strip_prefix(&root).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is not inside the repository {}",
                path.display(),
                root.display()
            ),
        )
    })?;
    repo_path(inside)
}

fn split_names(out: &[u8]) -> Vec<String> {
    out.split(|&b| b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect()
}

#[cfg(unix)]
fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

/// Replaces the temporary folder in `name` by `label` (`abc1234:`).
fn relabel(name: &str, tmp: &Path, label: &str) -> String {
    let mut name = name.to_string();
    let mut prefixes = vec![tmp.to_path_buf()];
    if let Ok(canonical) = tmp.canonicalize() {
        prefixes.push(canonical);
    }
    for prefix in prefixes {
        for separator in ["/", "\\"] {
            let prefix = format!("{}{separator}", prefix.display());
            name = name.replace(&prefix, label);
        }
    }
    name
}

fn relabel_error(error: Error, tmp: &Path, label: &str) -> Error {
    let relabel_diagnostic = |mut diagnostic: crate::Diagnostic| {
        diagnostic.file = relabel(&diagnostic.file, tmp, label);
        diagnostic.message = relabel(&diagnostic.message, tmp, label);
        for related in &mut diagnostic.related {
            related.file = relabel(&related.file, tmp, label);
        }
        diagnostic
    };
    match error {
        Error::Spec(diagnostic) => Error::Spec(Box::new(relabel_diagnostic(*diagnostic))),
        Error::Specs(all) => Error::Specs(all.into_iter().map(relabel_diagnostic).collect()),
        Error::Io { path, source } => {
            let shown = relabel(&path.to_string_lossy(), tmp, label);
            Error::Io {
                path: PathBuf::from(shown),
                source,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compat::Mode;

    /// A scratch repository; git runs without the machine's global or system configuration.
    struct Repo {
        _tmp: tempfile::TempDir,
        dir: PathBuf,
        no_config: PathBuf,
    }

    impl Repo {
        fn new() -> Repo {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("repo");
            std::fs::create_dir(&dir).unwrap();
            let no_config = tmp.path().join("no-gitconfig");
            let repo = Repo {
                _tmp: tmp,
                dir,
                no_config,
            };
            repo.git(&["-c", "init.defaultBranch=main", "init", "-q"]);
            repo
        }

        fn git(&self, args: &[&str]) -> String {
            let out = Command::new("git")
                .current_dir(&self.dir)
                .env("GIT_CONFIG_GLOBAL", &self.no_config)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .args([
                    "-c",
                    "user.name=t",
                    "-c",
                    "user.email=t@t",
                    "-c",
                    "commit.gpgsign=false",
                ])
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            text(&out.stdout)
        }

        fn write(&self, path: &str, content: &str) {
            let path = self.dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }

        /// Commits everything; returns the full hash.
        fn commit(&self, message: &str) -> String {
            self.git(&["add", "-A"]);
            self.git(&["commit", "-q", "-m", message]);
            self.git(&["rev-parse", "HEAD"])
        }
    }

    /// A spec whose payload lives in a sibling file.
    fn spec(title: &str) -> String {
        format!(
            "asyncapi: 3.0.0\n\
             info: {{title: {title}, version: 1.0.0}}\n\
             channels:\n  things:\n    address: things\n    messages:\n      \
             made:\n        $ref: '#/components/messages/made'\n\
             components:\n  messages:\n    made:\n      name: thing.made\n      \
             payload:\n        $ref: 'schemas/thing.yaml'\n"
        )
    }

    const THING: &str = "type: object\nrequired: [id]\nproperties:\n  id: {type: string}\n";

    #[test]
    fn root_revisions_and_merge_base() {
        let repo = Repo::new();
        repo.write("specs/a.yaml", "one\n");
        let first = repo.commit("one");
        repo.write("specs/a.yaml", "two\n");
        repo.write("other.txt", "x\n");
        let second = repo.commit("two");
        repo.write("other.txt", "y\n");
        let third = repo.commit("three");

        let root = repo_root(&repo.dir.join("specs")).unwrap();
        assert_eq!(
            root.canonicalize().unwrap(),
            repo.dir.canonicalize().unwrap()
        );
        assert_eq!(resolve_rev(&repo.dir, "HEAD").unwrap(), third);
        assert_eq!(resolve_rev(&repo.dir, "HEAD~2").unwrap(), first);
        assert_eq!(resolve_rev(&repo.dir, "main").unwrap(), third);
        let unknown = resolve_rev(&repo.dir, "no-such-branch").unwrap_err();
        assert_eq!(unknown.kind(), io::ErrorKind::NotFound);
        assert!(resolve_rev(&repo.dir, "--all").is_err());

        assert_eq!(
            revisions_of(&repo.dir, Path::new("specs/a.yaml")).unwrap(),
            vec![second.clone(), first.clone()]
        );
        assert_eq!(
            revisions_of(&repo.dir, &repo.dir.join("specs/a.yaml")).unwrap(),
            vec![second.clone(), first.clone()]
        );

        repo.git(&["checkout", "-q", "-b", "feature", &first]);
        repo.write("feature.txt", "f\n");
        repo.commit("feature");
        assert_eq!(merge_base(&repo.dir, "HEAD", "main").unwrap(), first);
        assert!(merge_base(&repo.dir, "HEAD", "nope").is_err());
    }

    #[test]
    fn revisions_follow_renames() {
        let repo = Repo::new();
        repo.write("a.yaml", "one\n");
        let first = repo.commit("one");
        repo.git(&["mv", "a.yaml", "b.yaml"]);
        let renamed = repo.commit("rename");
        repo.write("b.yaml", "one\ntwo\n");
        let edited = repo.commit("edit");
        assert_eq!(
            revisions_of(&repo.dir, Path::new("b.yaml")).unwrap(),
            vec![edited, renamed, first]
        );
        let paths: Vec<String> = followed_revisions(&repo.dir, Path::new("b.yaml"))
            .unwrap()
            .into_iter()
            .map(|r| r.path)
            .collect();
        assert_eq!(paths, ["b.yaml", "b.yaml", "a.yaml"]);
    }

    #[test]
    fn materialize_writes_nested_folders() {
        let repo = Repo::new();
        repo.write("specs/main.yaml", "main v1\n");
        repo.write("specs/schemas/deep/x.yaml", "x v1\n");
        repo.write("elsewhere/y.yaml", "y\n");
        let first = repo.commit("one");
        repo.write("specs/main.yaml", "main v2\n");
        std::fs::remove_dir_all(repo.dir.join("specs/schemas")).unwrap();
        repo.commit("two");

        let dest = tempfile::tempdir().unwrap();
        assert!(materialize(&repo.dir, &first, Path::new("specs"), dest.path()).unwrap());
        let read = |p: &str| std::fs::read_to_string(dest.path().join(p)).unwrap();
        assert_eq!(read("specs/main.yaml"), "main v1\n");
        assert_eq!(read("specs/schemas/deep/x.yaml"), "x v1\n");
        assert!(!dest.path().join("elsewhere").exists());

        let dest = tempfile::tempdir().unwrap();
        assert!(materialize(&repo.dir, "HEAD", Path::new("specs"), dest.path()).unwrap());
        assert_eq!(read_in(dest.path(), "specs/main.yaml"), "main v2\n");
        assert!(!dest.path().join("specs/schemas").exists());

        let dest = tempfile::tempdir().unwrap();
        assert!(materialize(&repo.dir, "HEAD", Path::new(""), dest.path()).unwrap());
        assert_eq!(read_in(dest.path(), "elsewhere/y.yaml"), "y\n");

        let dest = tempfile::tempdir().unwrap();
        assert!(!materialize(&repo.dir, "HEAD", Path::new("specs/schemas"), dest.path()).unwrap());
        assert!(
            !materialize(&repo.dir, "HEAD", Path::new("specs/main.yaml"), dest.path()).unwrap()
        );
        assert!(materialize(&repo.dir, "nope", Path::new("specs"), dest.path()).is_err());
        assert!(materialize(&repo.dir, "HEAD", Path::new("../x"), dest.path()).is_err());
    }

    fn read_in(dir: &Path, p: &str) -> String {
        std::fs::read_to_string(dir.join(p)).unwrap()
    }

    #[test]
    fn files_at_a_revision_and_in_the_work_tree() {
        let repo = Repo::new();
        repo.write("specs/a.yaml", "a\n");
        repo.write("specs/b.yaml", "b\n");
        repo.write(".gitignore", "ignored.yaml\n");
        let first = repo.commit("one");
        assert!(file_exists_at(&repo.dir, &first, Path::new("specs/a.yaml")).unwrap());
        assert!(!file_exists_at(&repo.dir, &first, Path::new("specs/c.yaml")).unwrap());
        assert!(!file_exists_at(&repo.dir, &first, Path::new("specs")).unwrap());
        assert!(file_exists_at(&repo.dir, "nope", Path::new("specs/a.yaml")).is_err());

        std::fs::remove_file(repo.dir.join("specs/b.yaml")).unwrap();
        repo.write("specs/c.yaml", "c\n");
        repo.write("ignored.yaml", "i\n");
        assert_eq!(
            files_at(&repo.dir, "HEAD").unwrap(),
            [".gitignore", "specs/a.yaml", "specs/b.yaml"]
        );
        assert_eq!(
            working_files(&repo.dir.join("specs")).unwrap(),
            [".gitignore", "specs/a.yaml", "specs/c.yaml"]
        );
    }

    #[test]
    fn history_compares_with_every_earlier_version() {
        let repo = Repo::new();
        repo.write("specs/things.yaml", &spec("Things"));
        repo.write("specs/schemas/thing.yaml", THING);
        repo.write("README.md", "readme\n");
        repo.commit("one");
        repo.write("README.md", "readme, edited\n");
        repo.commit("not the spec");
        repo.write("specs/things.yaml", &spec("More things"));
        repo.commit("two");
        repo.git(&["mv", "specs/things.yaml", "specs/renamed.yaml"]);
        repo.commit("rename");

        let options = Options {
            mode: Mode::Backward,
            strict: false,
        };
        let new = repo.dir.join("specs/renamed.yaml");
        let reports = history(&new, &LoadOptions::default(), &options).unwrap();
        let hashes: Vec<&str> = reports.iter().map(|(h, _)| h.as_str()).collect();
        let expected = repo.git(&["log", "--format=%h", "--follow", "--", "specs/renamed.yaml"]);
        assert_eq!(hashes, expected.lines().collect::<Vec<_>>());
        assert_eq!(reports.len(), 3);
        for (hash, report) in &reports {
            assert!(report.is_compatible(), "{hash}: {report:?}");
            assert_eq!(report.mode, Mode::Backward);
        }
        assert_eq!(
            reports[0].1.old,
            format!("{}:specs/renamed.yaml", reports[0].0)
        );
        assert_eq!(
            reports[2].1.old,
            format!("{}:specs/things.yaml", reports[2].0)
        );

        // An explicit root is rebased onto the old copy.
        let load = LoadOptions {
            root: Some(repo.dir.clone()),
            ..LoadOptions::default()
        };
        assert_eq!(history(&new, &load, &options).unwrap().len(), 3);
    }

    #[test]
    fn old_versions_reach_sibling_folders_of_the_repository_by_default() {
        let repo = Repo::new();
        let sibling = spec("Things").replace("schemas/thing.yaml", "../common/thing.yaml");
        repo.write("specs/things.yaml", &sibling);
        repo.write("common/thing.yaml", THING);
        repo.commit("one");
        repo.write(
            "specs/things.yaml",
            &sibling.replace("Things", "More things"),
        );
        repo.commit("two");
        let options = Options {
            mode: Mode::Backward,
            strict: false,
        };
        let reports = history(
            &repo.dir.join("specs/things.yaml"),
            &LoadOptions::default(),
            &options,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reports.len(), 2);
        assert!(reports.iter().all(|(_, r)| r.is_compatible()));
    }

    #[test]
    fn history_names_the_revision_of_an_unreadable_old_spec() {
        let repo = Repo::new();
        repo.write("specs/things.yaml", "asyncapi: [unclosed\n");
        repo.commit("broken");
        repo.write("specs/things.yaml", &spec("Things"));
        repo.write("specs/schemas/thing.yaml", THING);
        repo.commit("fixed");
        let options = Options {
            mode: Mode::Full,
            strict: true,
        };
        let error = history(
            &repo.dir.join("specs/things.yaml"),
            &LoadOptions::default(),
            &options,
        )
        .unwrap_err();
        let shown = error.to_string();
        let short = repo.git(&["rev-parse", "--short", "HEAD~1"]);
        assert!(
            shown.contains(&format!("{short}:specs/things.yaml")),
            "{shown}"
        );
        assert!(!shown.contains("tidings-old-"), "{shown}");
    }

    #[test]
    fn history_outside_a_repository_is_an_io_error() {
        let tmp = tempfile::tempdir().unwrap();
        let spec_file = tmp.path().join("things.yaml");
        std::fs::write(&spec_file, spec("Things")).unwrap();
        let options = Options {
            mode: Mode::Backward,
            strict: false,
        };
        let error = history(&spec_file, &LoadOptions::default(), &options).unwrap_err();
        assert!(matches!(error, Error::Io { .. }), "{error}");
    }
}
