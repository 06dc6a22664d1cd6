//! `jaunt lock diff`: what a branch changes in `jaunt.lock`, for review.
//!
//! The base lockfile is read straight from the git object database with
//! gix (no checkout, no `git` binary), so it works in any clone, CI
//! included, and leaves the working tree alone.

use crate::config::Config;
use crate::error::{Code, Diagnostic, JauntError, Result};
use crate::lock::{self, LockDiff, Lockfile};
use std::path::{Path, PathBuf};

/// Branches tried, in order, for the default base.
const DEFAULT_BRANCHES: [&str; 3] = ["main", "master", "origin/HEAD"];

/// The diff and what it was taken against.
pub struct LockReview {
    /// The base revision as the user should read it, e.g.
    /// `merge base of HEAD and main (1a2b3c4)`.
    pub base: String,
    pub diff: LockDiff,
}

/// Compares `jaunt.lock` at `rev` (default: the merge base of HEAD with
/// the default branch) with the working tree's.
pub fn review(config: &Config, rev: Option<&str>) -> Result<LockReview> {
    let lock_path = config.lock_path();
    let (base, old) = lock_at_revision(&config.root, &lock_path, rev)?;
    let new = Lockfile::load(&lock_path)?;
    // A side without a lockfile has no modules: everything is added (or
    // removed), and the generator is not reported as changed.
    let (old, new) = match (old, new) {
        (Some(o), Some(n)) => (o, n),
        (None, Some(n)) => (empty_like(&n), n),
        (Some(o), None) => {
            let empty = empty_like(&o);
            (o, empty)
        }
        (None, None) => {
            return Err(Diagnostic::error(format!(
                "no jaunt.lock at {base} nor in the working tree ({})",
                lock_path.display()
            ))
            .hint("run `jaunt apply` to create it")
            .into());
        }
    };
    Ok(LockReview {
        base,
        diff: lock::diff(&old, &new),
    })
}

fn empty_like(lock: &Lockfile) -> Lockfile {
    Lockfile {
        generator: lock.generator.clone(),
        modules: Vec::new(),
        skills: Vec::new(),
        contracts: Vec::new(),
    }
}

/// The lockfile at `lock_path` as committed at `rev` (`None` if the
/// revision has no such file), with the revision described for reports.
fn lock_at_revision(
    root: &Path,
    lock_path: &Path,
    rev: Option<&str>,
) -> Result<(String, Option<Lockfile>)> {
    let repo = gix::discover(root).map_err(|e| {
        git_error(
            format!("{} is not inside a git repository: {e}", root.display()),
            "`jaunt lock diff` reads the base jaunt.lock from git history; run it in a git checkout",
        )
    })?;
    let workdir = repo.workdir().ok_or_else(|| {
        git_error(
            format!("{} is a bare repository", repo.git_dir().display()),
            "run `jaunt lock diff` in a checkout with a working tree",
        )
    })?;
    let rel = relative_to(workdir, lock_path)?;
    let (description, commit) = match rev {
        Some(rev) => (rev.to_string(), resolve(&repo, rev)?),
        None => default_base(&repo)?,
    };
    let commit = repo
        .find_commit(commit)
        .map_err(|e| git_error(format!("reading commit {commit}: {e}"), HINT_BASE))?;
    let tree = commit
        .tree()
        .map_err(|e| git_error(format!("reading the tree of {description}: {e}"), HINT_BASE))?;
    let entry = tree.lookup_entry_by_path(&rel).map_err(|e| {
        git_error(
            format!("looking up {} at {description}: {e}", rel.display()),
            HINT_BASE,
        )
    })?;
    let Some(entry) = entry else {
        return Ok((description, None));
    };
    let mut blob = entry.object().map_err(|e| {
        git_error(
            format!("reading {} at {description}: {e}", rel.display()),
            HINT_BASE,
        )
    })?;
    let text = String::from_utf8(std::mem::take(&mut blob.data)).map_err(|_| {
        JauntError::other(format!(
            "{} at {description} is not UTF-8 text",
            rel.display()
        ))
    })?;
    let lock = Lockfile::parse(&text).map_err(|e| {
        let line = e.line.map(|l| format!(", line {l}")).unwrap_or_default();
        JauntError::from(
            Diagnostic::new(
                Code::Lock,
                format!("{} at {description}{line}: {}", rel.display(), e.message),
            )
            .hint(format!(
                "the base revision's lockfile is unreadable; pass another --base ({})",
                e.hint.unwrap_or_default()
            )),
        )
    })?;
    Ok((description, Some(lock)))
}

const HINT_BASE: &str = "pass --base REV with a commit, branch or tag of this repository";

fn git_error(message: String, hint: &str) -> JauntError {
    Diagnostic::error(message).hint(hint).into()
}

fn resolve(repo: &gix::Repository, rev: &str) -> Result<gix::ObjectId> {
    let id = repo
        .rev_parse_single(rev)
        .map_err(|e| git_error(format!("cannot resolve revision `{rev}`: {e}"), HINT_BASE))?;
    let commit = id
        .object()
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| git_error(format!("`{rev}` does not name a commit: {e}"), HINT_BASE))?;
    Ok(commit.id)
}

/// The merge base of HEAD with the first of `main`, `master` and
/// `origin/HEAD` that exists: what the branch changed, not what the
/// default branch did since.
fn default_base(repo: &gix::Repository) -> Result<(String, gix::ObjectId)> {
    let head = repo
        .head_id()
        .map_err(|e| git_error(format!("HEAD does not point at a commit: {e}"), HINT_BASE))?
        .detach();
    let Some((branch, tip)) = DEFAULT_BRANCHES
        .iter()
        .find_map(|b| resolve(repo, b).ok().map(|id| (*b, id)))
    else {
        return Err(git_error(
            "cannot find the default branch: none of main, master or origin/HEAD exists".into(),
            HINT_BASE,
        ));
    };
    let base = repo
        .merge_base(head, tip)
        .map_err(|e| {
            git_error(
                format!("finding the merge base of HEAD and {branch}: {e}"),
                HINT_BASE,
            )
        })?
        .ok_or_else(|| {
            git_error(
                format!("HEAD and {branch} have no common ancestor"),
                HINT_BASE,
            )
        })?;
    let short = base.shorten_or_id();
    Ok((
        format!("merge base of HEAD and {branch} ({short})"),
        base.detach(),
    ))
}

/// `path` relative to the repository's working tree, both resolved so
/// symlinked temp directories compare equal.
fn relative_to(workdir: &Path, path: &Path) -> Result<PathBuf> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let dir = path.parent().map(canon).unwrap_or_default();
    let file = dir.join(path.file_name().unwrap_or_default());
    file.strip_prefix(canon(workdir))
        .map(Path::to_path_buf)
        .map_err(|_| {
            JauntError::from(
                Diagnostic::error(format!(
                    "{} is outside the git working tree {}",
                    path.display(),
                    workdir.display()
                ))
                .hint("keep jaunt.lock inside the repository"),
            )
        })
}
