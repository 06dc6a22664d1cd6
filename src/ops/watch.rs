//! `jaunt watch`: re-plan and apply whenever a spec or the configuration
//! changes (docs/architecture.md, Watch).
//!
//! A file watcher (`notify`) feeds a channel; one loop runs one cycle at a
//! time, so a second apply never starts while one runs. Changes made during
//! a cycle wait in the channel and start the next one. Only writes count:
//! a cycle opens and reads every spec file, and those reads must not start
//! another cycle; nor do the files jaunt writes itself (generated modules,
//! stubs, `.jaunt/`, the lockfile).

use crate::config::Config;
use crate::error::{JauntError, Result};
use crate::names::SpecKind;
use crate::ops::apply::{ApplyOptions, ApplyReport, Event};
use crate::ops::project::{LoadOptions, Project};
use crate::ops::session::{Session, StoreUse};
use crate::plan::Plan;
use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify::{RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long the files must be quiet before a cycle starts: one save, which
/// editors make as several writes and renames, is one change (the
/// debounce).
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// How often an idle watch looks at the interrupt flag.
const POLL: Duration = Duration::from_millis(100);

/// What each cycle does.
#[derive(Clone, Debug, Default)]
pub struct WatchOptions {
    pub load: LoadOptions,
    pub store_use: StoreUse,
    pub apply: ApplyOptions,
    /// `--plan-only`: plan and report, never apply.
    pub plan_only: bool,
    /// `--test`: after an apply that built everything, generate the test
    /// modules and run pytest.
    pub test: bool,
    pub pytest_args: Vec<String>,
}

/// Why a cycle ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    Start,
    /// These files changed (project-relative, sorted).
    Changed(Vec<PathBuf>),
}

/// What a cycle did.
pub enum Outcome {
    Planned(Plan),
    Applied {
        /// Boxed: far larger than the other outcomes.
        report: Box<ApplyReport>,
        /// Whether pytest passed; `None` when no tests ran.
        tests: Option<bool>,
    },
    /// The project did not load, or apply could not run; the watch goes on.
    Failed(JauntError),
}

pub struct Cycle {
    /// 1-based.
    pub number: usize,
    pub trigger: Trigger,
    pub outcome: Outcome,
    pub elapsed: Duration,
}

/// Where the watch reports, for the CLI to print.
pub trait Reporter: Sync {
    /// Watching has begun on these directories (and the configuration).
    fn watching(&self, dirs: &[PathBuf], config: &Path);
    /// Progress of an apply, as `jaunt apply` reports it.
    fn progress(&self, event: Event<'_>);
    fn cycle(&self, cycle: &Cycle);
    /// A watcher error (a directory gone, too many watches); the watch goes on.
    fn warning(&self, message: &str);
}

/// Watches until `cancel` is set (the first Ctrl-C), after finishing the
/// cycle in flight, whose apply stops starting modules as `apply` does.
/// Returns the exit code, 130; an error only when watching cannot start.
pub fn watch(opts: &WatchOptions, cancel: &AtomicBool, reporter: &dyn Reporter) -> Result<i32> {
    let config = Project::load_config(&opts.load)?;
    let (tx, rx) = channel();
    let mut watcher = notify::recommended_watcher(tx)
        .map_err(|e| JauntError::other(format!("cannot watch files: {e}")))?;
    let mut watched = Watched::default();
    watched.update(&config, &mut watcher, reporter)?;
    let mut trigger = Trigger::Start;
    for number in 1.. {
        let started = Instant::now();
        let (outcome, config) = cycle(opts, cancel, reporter);
        if let Some(config) = config {
            watched.update(&config, &mut watcher, reporter)?;
        }
        reporter.cycle(&Cycle {
            number,
            trigger,
            outcome,
            elapsed: started.elapsed(),
        });
        match wait_for_change(&rx, &watched, cancel, reporter)? {
            Some(changed) => trigger = Trigger::Changed(changed),
            None => break,
        }
    }
    Ok(130)
}

/// One cycle: load, then plan or apply (and test). Returns the
/// configuration it loaded, to follow changes of the roots.
fn cycle(
    opts: &WatchOptions,
    cancel: &AtomicBool,
    reporter: &dyn Reporter,
) -> (Outcome, Option<Config>) {
    let project = match Project::load(&opts.load) {
        Ok(project) => project,
        Err(e) => return (Outcome::Failed(e), None),
    };
    let outcome = match run(&project, opts, cancel, reporter) {
        Ok(outcome) => outcome,
        Err(e) => Outcome::Failed(e),
    };
    (outcome, Some(project.config))
}

fn run(
    project: &Project,
    opts: &WatchOptions,
    cancel: &AtomicBool,
    reporter: &dyn Reporter,
) -> Result<Outcome> {
    let targeted = !opts.load.targets.is_empty();
    if opts.plan_only {
        let session = Session::open_with(&project.config, opts.store_use)?;
        return Ok(Outcome::Planned(session.plan(
            project,
            &[SpecKind::Build],
            targeted,
        )));
    }
    let _writer = crate::ops::writer::lock_project(&project.config, || {
        reporter.warning("waiting for another jaunt in this project…")
    })?;
    let session = Session::open_with(&project.config, opts.store_use)?;
    let kinds: &[SpecKind] = if opts.test {
        &[SpecKind::Build, SpecKind::Test]
    } else {
        &[SpecKind::Build]
    };
    let progress = |e: Event<'_>| reporter.progress(e);
    let report =
        crate::ops::apply::apply(project, &session, kinds, &opts.apply, cancel, &progress)?;
    let built =
        report.failed.is_empty() && report.over_budget.is_empty() && report.cancelled.is_empty();
    let tests = if opts.test && built {
        let files = crate::ops::test::test_files(project);
        if files.is_empty() {
            None
        } else {
            Some(crate::ops::test::run_pytest(
                project,
                &files,
                &opts.pytest_args,
            )?)
        }
    } else {
        None
    };
    Ok(Outcome::Applied {
        report: Box::new(report),
        tests,
    })
}

/// Blocks until relevant files changed and then stayed quiet for
/// [`DEBOUNCE`] (returned, project-relative and sorted), or `cancel` is
/// set (`None`). Changes that arrived during the cycle are already waiting.
fn wait_for_change(
    rx: &Receiver<notify::Result<notify::Event>>,
    watched: &Watched,
    cancel: &AtomicBool,
    reporter: &dyn Reporter,
) -> Result<Option<Vec<PathBuf>>> {
    let mut changed = BTreeSet::new();
    let mut last_change = Instant::now();
    loop {
        if cancel.load(Ordering::SeqCst) {
            return Ok(None);
        }
        let wait = if changed.is_empty() {
            POLL
        } else {
            match DEBOUNCE.checked_sub(last_change.elapsed()) {
                Some(left) => left.min(POLL),
                None => return Ok(Some(changed.into_iter().collect())),
            }
        };
        match rx.recv_timeout(wait) {
            Ok(Ok(event)) if is_write(&event.kind) => {
                let relevant: Vec<PathBuf> = event
                    .paths
                    .iter()
                    .filter_map(|p| watched.relevant(p))
                    .collect();
                if !relevant.is_empty() {
                    changed.extend(relevant);
                    last_change = Instant::now();
                }
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => reporter.warning(&format!("file watcher: {e}")),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(JauntError::other("the file watcher stopped"));
            }
        }
    }
}

/// Whether an event can have changed a file's contents or existence.
/// Opening, reading and metadata changes (a cycle reading the specs) cannot.
fn is_write(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Any => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Other => false,
    }
}

/// What is watched, and how a changed path is judged.
#[derive(Default)]
struct Watched {
    root: PathBuf,
    config_file: PathBuf,
    generated_dir: String,
    /// Directories watched with their subdirectories.
    dirs: BTreeSet<PathBuf>,
    /// The project root itself, without subdirectories, for the
    /// configuration file (editors replace it rather than write it).
    root_alone: bool,
    /// Whether the watches above are in place.
    started: bool,
}

impl Watched {
    /// Watches the configuration's roots and file, adding and dropping
    /// watches as the roots changed since the last call.
    fn update(
        &mut self,
        config: &Config,
        watcher: &mut dyn Watcher,
        reporter: &dyn Reporter,
    ) -> Result<()> {
        let mut dirs: BTreeSet<PathBuf> = config
            .source_dirs()
            .into_iter()
            .chain(config.test_dirs())
            .collect();
        // A root inside another is watched with it.
        let nested: Vec<PathBuf> = dirs
            .iter()
            .filter(|d| dirs.iter().any(|o| o != *d && d.starts_with(o)))
            .cloned()
            .collect();
        for d in nested {
            dirs.remove(&d);
        }
        let root_alone = !dirs.contains(&config.root);
        self.config_file = config.file.clone();
        self.generated_dir = config.paths.generated_dir.clone();
        if self.started && dirs == self.dirs && root_alone == self.root_alone {
            return Ok(());
        }
        let watch_error = |dir: &Path, e: notify::Error| {
            JauntError::other(format!("cannot watch {}: {e}", dir.display()))
        };
        for gone in self.dirs.difference(&dirs) {
            let _ = watcher.unwatch(gone);
        }
        if self.started && self.root_alone && !root_alone {
            let _ = watcher.unwatch(&self.root);
        }
        for added in dirs.difference(&self.dirs) {
            watcher
                .watch(added, RecursiveMode::Recursive)
                .map_err(|e| watch_error(added, e))?;
        }
        if root_alone && !(self.started && self.root_alone) {
            watcher
                .watch(&config.root, RecursiveMode::NonRecursive)
                .map_err(|e| watch_error(&config.root, e))?;
        }
        self.root = config.root.clone();
        self.dirs = dirs;
        self.root_alone = root_alone;
        self.started = true;
        let shown: Vec<PathBuf> = self.dirs.iter().cloned().collect();
        reporter.watching(&shown, &self.config_file);
        Ok(())
    }

    /// The project-relative path of a changed file that matters: the
    /// configuration, or a Python file outside what jaunt writes and
    /// discovery skips.
    fn relevant(&self, path: &Path) -> Option<PathBuf> {
        if path == self.config_file {
            return self.config_file.file_name().map(PathBuf::from);
        }
        let rel = path.strip_prefix(&self.root).ok()?;
        is_spec_change(rel, &self.generated_dir).then(|| rel.to_path_buf())
    }
}

/// Whether a change at `rel` (project-relative) can change the plan: a
/// `.py` file, not under a generated directory, `__pycache__` or a hidden
/// directory. Stubs (`.pyi`), the lockfile and `.jaunt/` are jaunt's own
/// writes.
fn is_spec_change(rel: &Path, generated_dir: &str) -> bool {
    rel.extension().is_some_and(|e| e == "py")
        && rel.components().all(|c| match c {
            Component::Normal(name) => {
                let name = name.to_string_lossy();
                name != generated_dir && name != "__pycache__" && !name.starts_with('.')
            }
            _ => true,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_spec_files_are_changes() {
        let generated = "__generated__";
        assert!(is_spec_change(Path::new("src/shop/cart.py"), generated));
        assert!(is_spec_change(Path::new("tests/test_cart.py"), generated));
        assert!(!is_spec_change(
            Path::new("src/shop/__generated__/cart.py"),
            generated
        ));
        assert!(!is_spec_change(Path::new("src/shop/cart.pyi"), generated));
        assert!(!is_spec_change(
            Path::new("src/shop/__pycache__/cart.py"),
            generated
        ));
        assert!(!is_spec_change(
            Path::new(".jaunt/cache/parse-v1.bin"),
            generated
        ));
        assert!(!is_spec_change(Path::new(".venv/lib/site.py"), generated));
        assert!(!is_spec_change(Path::new("jaunt.lock"), generated));
        assert!(!is_spec_change(
            Path::new("src/shop/.cart.py.swp"),
            generated
        ));
        assert!(is_spec_change(Path::new("src/shop/out/cart.py"), "out_gen"));
        assert!(!is_spec_change(
            Path::new("src/shop/out_gen/cart.py"),
            "out_gen"
        ));
    }

    #[test]
    fn the_configuration_file_is_a_change_by_its_name() {
        let watched = Watched {
            root: PathBuf::from("/p"),
            config_file: PathBuf::from("/p/jaunt.toml"),
            generated_dir: "__generated__".into(),
            ..Watched::default()
        };
        assert_eq!(
            watched.relevant(Path::new("/p/jaunt.toml")),
            Some(PathBuf::from("jaunt.toml"))
        );
        assert_eq!(
            watched.relevant(Path::new("/p/src/a.py")),
            Some(PathBuf::from("src/a.py"))
        );
        assert_eq!(watched.relevant(Path::new("/p/jaunt.lock")), None);
        assert_eq!(watched.relevant(Path::new("/elsewhere/a.py")), None);
    }
}
