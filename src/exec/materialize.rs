//! Writing generated files: atomically, with their header, never outside
//! the generated directory, never over a file jaunt did not write.

use crate::digest::{ArtifactDigest, InputsKey};
use crate::error::{Code, Diagnostic, JauntError, Result};
use crate::fsutil::{is_inside, write_atomic};
use crate::genfile::{self, DiskState, Header};
use crate::graph::ModuleNode;
use crate::stubfile::{self, StubRecord};
use std::path::{Path, PathBuf};

/// Which file already at a module's output path a write may replace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replace {
    /// Only a file jaunt wrote (this version or Jaunt 1.7); an edited one
    /// or 1.7's is first kept in `.jaunt/edited/`.
    JauntsOnly,
    /// Whatever is there: `jaunt migrate` writes that very file's body
    /// back under jaunt's header, so nothing is lost and nothing is kept.
    Adopted,
}

/// The generated file's path, once it is known that jaunt may write there:
/// inside the generated directory of the module's root (no symlink leads
/// out), with nothing in the way that jaunt did not write — a directory, a
/// FIFO or a hand-written file. Checked before a model call is paid for
/// and again at the write.
pub fn check_output(module: &ModuleNode, generated_dir: &str) -> Result<PathBuf> {
    check_output_for(module, generated_dir, Replace::JauntsOnly)
}

/// [`check_output`], with a file jaunt did not write allowed under
/// [`Replace::Adopted`].
fn check_output_for(module: &ModuleNode, generated_dir: &str, replace: Replace) -> Result<PathBuf> {
    let path = genfile::output_path(module, generated_dir);
    let inside = path
        .parent()
        .is_some_and(|p| p.components().any(|c| c.as_os_str() == generated_dir));
    if !inside || !path.starts_with(&module.root_dir) || !is_inside(&module.root_dir, &path) {
        return Err(JauntError::other(format!(
            "refusing to write {}: outside the generated directory `{generated_dir}` of {} (a symlink leading out of the project?)",
            path.display(),
            module.root_dir.display()
        )));
    }
    let in_the_way = |p: &Path, what: &str| -> JauntError {
        Diagnostic::new(
            Code::Generate,
            format!("cannot write {}: {what} is in the way", p.display()),
        )
        .hint(format!(
            "move it elsewhere; `{generated_dir}/` belongs to jaunt"
        ))
        .into()
    };
    let dir = path.parent().unwrap_or(&module.root_dir);
    if std::fs::metadata(dir).is_ok_and(|m| !m.is_dir()) {
        return Err(in_the_way(dir, "a file"));
    }
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => return Err(in_the_way(&path, "a directory")),
        _ => {}
    }
    for init in genfile::package_inits(module, generated_dir) {
        if std::fs::metadata(&init).is_ok_and(|m| !m.is_file()) {
            return Err(in_the_way(&init, "something other than a file"));
        }
    }
    // The empty `__init__.py` jaunt wrote for a generated package becomes
    // the package's own generated module when its `__init__.py` gains specs.
    let own_empty_init = path.file_name().is_some_and(|n| n == "__init__.py")
        && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() == 0);
    if !own_empty_init
        && replace == Replace::JauntsOnly
        && DiskState::read(&path) == DiskState::Foreign
    {
        return Err(Diagnostic::new(
            Code::Generate,
            format!(
                "refusing to overwrite {}: it was not written by jaunt",
                path.display()
            ),
        )
        .hint(format!(
            "move your file elsewhere; `{generated_dir}/` belongs to jaunt"
        ))
        .into());
    }
    Ok(path)
}

/// Writes `body` as `module`'s generated file, plus the `__init__.py` its
/// generated package needs. Skips the write when the file already holds
/// exactly these bytes; under [`Replace::JauntsOnly`] a file edited by hand
/// (or Jaunt 1.7's) is first copied into `backups` ([`keep_edits`]).
pub fn write_module(
    module: &ModuleNode,
    generated_dir: &str,
    inputs: InputsKey,
    body: &str,
    backups: &Path,
    replace: Replace,
) -> Result<()> {
    let path = check_output_for(module, generated_dir, replace)?;
    for init in genfile::package_inits(module, generated_dir) {
        if !init.exists() {
            write_atomic(&init, b"")
                .map_err(|e| JauntError::io(format!("writing {}", init.display()), e))?;
        }
    }
    let header = Header {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        kind: module.kind,
        source_module: module.name.clone(),
        inputs,
        artifact: ArtifactDigest::of(body.as_bytes()),
        spec_refs: module.specs.clone(),
    };
    let text = genfile::render(&header, body);
    if crate::fsutil::read_regular(&path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    if replace == Replace::JauntsOnly {
        keep_edits(&path, backups)?;
    }
    write_atomic(&path, text.as_bytes())
        .map_err(|e| JauntError::io(format!("writing {}", path.display()), e))
}

/// Writes the `.pyi` stub of a built module beside its spec file, unless a
/// file jaunt did not write is in its place. Returns the stub's digest when
/// jaunt's stub is there.
pub fn write_stub(
    module: &ModuleNode,
    body: &str,
    artifact: &ArtifactDigest,
) -> Result<Option<StubRecord>> {
    let path = stubfile::stub_path(module);
    if !is_inside(&module.root_dir, &path) {
        return Err(JauntError::other(format!(
            "refusing to write {}: it leads out of {} (a symlink?)",
            path.display(),
            module.root_dir.display()
        )));
    }
    let existing = match crate::fsutil::read_regular_string(&path) {
        Ok(text) if !stubfile::is_jaunts(&text) => return Ok(None),
        Ok(text) => Some(text),
        Err(_) if path.exists() => return Ok(None),
        Err(_) => None,
    };
    let spec_source = crate::fsutil::read_regular_string(&module.path)
        .map_err(|e| JauntError::io(format!("reading {}", module.path.display()), e))?;
    let stub = stubfile::render(module, &spec_source, body, artifact);
    if existing.as_deref() != Some(stub.text.as_str()) {
        write_atomic(&path, stub.text.as_bytes())
            .map_err(|e| JauntError::io(format!("writing {}", path.display()), e))?;
    }
    Ok(Some(StubRecord {
        digest: stub.digest,
        inputs: stubfile::stub_inputs(module, artifact),
    }))
}

/// Deletes a `.pyi` stub jaunt wrote inside `root` (and nothing else);
/// returns whether it did.
pub fn remove_stub(root: &Path, path: &Path) -> Result<bool> {
    if !is_inside(root, path) {
        return Ok(false);
    }
    match crate::fsutil::read_regular_string(path) {
        Ok(text) if stubfile::is_jaunts(&text) => std::fs::remove_file(path)
            .map(|_| true)
            .map_err(|e| JauntError::io(format!("removing {}", path.display()), e)),
        _ => Ok(false),
    }
}

/// A generated file edited by hand, or one Jaunt 1.7 wrote (paid for and
/// perhaps edited), is never lost: before jaunt replaces or deletes it, its
/// bytes are copied to `backups/<unix seconds>-<path>` and the copy is
/// named on stderr. Returns the copy's path.
pub fn keep_edits(path: &Path, backups: &Path) -> Result<Option<PathBuf>> {
    let why = match DiskState::read(path) {
        DiskState::Edited(_) => "was edited by hand; your version",
        DiskState::Legacy(_) => "was written by Jaunt 1.7; that version",
        _ => return Ok(None),
    };
    let bytes = crate::fsutil::read_regular(path)
        .map_err(|e| JauntError::io(format!("reading {}", path.display()), e))?;
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let flat: String = path
        .components()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("__");
    let copy = backups.join(format!("{seconds}-{flat}"));
    write_atomic(&copy, &bytes)
        .map_err(|e| JauntError::io(format!("keeping your edits in {}", copy.display()), e))?;
    eprintln!(
        "note: {} {why} is kept in {}",
        path.display(),
        copy.display()
    );
    Ok(Some(copy))
}

/// Deletes a generated file jaunt wrote inside `root`, edited or not (an
/// edited one is kept in `backups` first), and nothing else; returns
/// whether it did.
pub fn remove(root: &Path, path: &Path, backups: &Path) -> Result<bool> {
    if !is_inside(root, path) {
        return Ok(false);
    }
    keep_edits(path, backups)?;
    match DiskState::read(path) {
        DiskState::Intact(_) | DiskState::Edited(_) => std::fs::remove_file(path)
            .map(|_| true)
            .map_err(|e| JauntError::io(format!("removing {}", path.display()), e)),
        _ => Ok(false),
    }
}
