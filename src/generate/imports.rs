//! `[build] check_generated_imports`: a safety net for model output. A
//! generated module may import the standard library, installed packages,
//! its spec module, the project modules its specs depend on or import
//! (their generated modules too), and what `[build]
//! generated_import_allowlist` names;
//! anything else rejects the answer, and the reasons go into the next
//! attempt like any validation error.
//!
//! What is installed is the project's Python's to say: the interpreter is
//! started once per run, at the first import that needs it, and asked for
//! its standard-library names and then, one top-level name at a time,
//! whether `importlib.util.find_spec` finds it (answers are kept for the
//! run). Without a working interpreter those imports are accepted, with
//! one warning, rather than every answer rejected.

use super::Request;
use crate::names::ModuleName;
use crate::python::{Imported, imported_modules};
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

/// The interpreter's side: stdlib names on the first line, then one answer
/// (`1` found, `0` not) per name read. The working directory is dropped
/// from `sys.path`, so the project's own files do not count as installed.
const PROBE: &str = "\
import importlib.util, json, os, sys
cwd = os.getcwd()
sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != cwd]
names = set(getattr(sys, 'stdlib_module_names', ())) | set(sys.builtin_module_names)
print(json.dumps(sorted(names)), flush=True)
for line in sys.stdin:
    try:
        found = importlib.util.find_spec(line.strip()) is not None
    except Exception:
        found = False
    print('1' if found else '0', flush=True)
";

/// The run's import policy, shared by every module it generates.
pub struct ImportCheck {
    /// `[build] generated_import_allowlist`.
    allowlist: Vec<String>,
    /// Top-level names of the project's own modules and packages: an
    /// import of one of these must be a dependency, whatever is installed.
    internal: BTreeSet<String>,
    generated_dir: String,
    interpreter: PathBuf,
    root: PathBuf,
    python: Mutex<Python>,
}

/// What the project's interpreter has said so far.
enum Python {
    NotAsked,
    Running(Probe),
    /// It could not be started or stopped answering; the reason, and
    /// whether the warning was handed out.
    Unavailable {
        reason: String,
        warned: bool,
    },
}

struct Probe {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stdlib: BTreeSet<String>,
    found: HashMap<String, bool>,
}

/// The project modules one generated module may import, and where its
/// relative imports start. Generated modules count as their spec modules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleImports {
    /// Modules that may be imported with everything inside them: the
    /// dependencies, and what the spec file imports by module.
    within: BTreeSet<String>,
    /// The spec module, and modules the spec file imports names from
    /// (`from pkg import x`): importing from them is fine, their other
    /// submodules are not.
    exact: BTreeSet<String>,
    /// The package the generated module is in (itself for a package).
    package: Vec<String>,
}

impl ModuleImports {
    /// `import module`: a dependency, something inside one, or a package
    /// holding one.
    fn allows(&self, module: &str) -> bool {
        self.allows_from(module)
            || self
                .within
                .iter()
                .chain(&self.exact)
                .any(|a| within(a, module))
    }

    /// `from module import …`, whatever the names.
    fn allows_from(&self, module: &str) -> bool {
        self.exact.contains(module) || self.within.iter().any(|a| within(module, a))
    }
}

impl ImportCheck {
    /// `internal` are the project's top-level module names;
    /// `interpreter` runs in `root`.
    pub fn new(
        allowlist: Vec<String>,
        internal: BTreeSet<String>,
        generated_dir: &str,
        interpreter: PathBuf,
        root: &Path,
    ) -> ImportCheck {
        ImportCheck {
            allowlist,
            internal,
            generated_dir: generated_dir.to_owned(),
            interpreter,
            root: root.to_path_buf(),
            python: Mutex::new(Python::NotAsked),
        }
    }

    /// The project modules `request`'s module may import: those of its
    /// dependency specs and modules, the spec module itself (and those
    /// its specs are in), and every
    /// module its spec file (`spec_source`) imports. `is_package`: the spec module is a
    /// package's `__init__.py`.
    pub fn for_module(
        &self,
        request: &Request,
        spec_source: &str,
        is_package: bool,
    ) -> ModuleImports {
        let spec_package = package_of(&request.spec_module, is_package);
        let mut within: BTreeSet<String> = request
            .dependency_apis
            .iter()
            .map(|d| d.spec_ref.module.to_string())
            .chain(
                request
                    .dependency_modules
                    .iter()
                    .map(|d| d.module.to_string()),
            )
            .collect();
        // The spec module's handwritten names (a dataclass its signatures
        // use, say) are the generated module's to import; so are the
        // modules its specs are in, when they are elsewhere (the class
        // specs a baseline class-test module tests).
        let mut exact: BTreeSet<String> = std::iter::once(&request.spec_module)
            .chain(request.specs.iter().map(|s| &s.spec_ref.module))
            .map(ToString::to_string)
            .collect();
        for import in imported_modules(spec_source) {
            let Some(module) = absolute(&import, &spec_package) else {
                continue;
            };
            let module = self.spec_side(&module);
            if import.names.is_empty() {
                within.insert(module);
                continue;
            }
            for name in import.names.iter().filter(|n| *n != "*") {
                within.insert(format!("{module}.{name}"));
            }
            exact.insert(module);
        }
        ModuleImports {
            within,
            exact,
            package: package_of(&request.generated_module, is_package),
        }
    }

    /// The problems with `source`'s imports, one line each, for the
    /// model's next attempt and the failure report.
    pub fn check(&self, source: &str, module: &ModuleImports) -> Vec<String> {
        let mut problems = Vec::new();
        for import in imported_modules(source) {
            let Some(resolved) = absolute(&import, &module.package) else {
                problems.push(format!(
                    "line {}: the relative import goes above the top-level package",
                    import.line
                ));
                continue;
            };
            let target = self.spec_side(&resolved);
            let top = target.split('.').next().unwrap_or_default().to_owned();
            let allowlisted = self
                .allowlist
                .iter()
                .any(|a| within(&target, a) || within(&resolved, a));
            if top.is_empty() || top == "__future__" || allowlisted {
                continue;
            }
            if import.level > 0 || self.internal.contains(&top) {
                let dependency = if import.names.is_empty() {
                    module.allows(&target)
                } else {
                    module.allows_from(&target)
                        || import
                            .names
                            .iter()
                            .all(|n| n != "*" && module.allows(&format!("{target}.{n}")))
                };
                if !dependency {
                    // `from pkg import secret` names `pkg.secret`;
                    // `from pkg.secret import key` names the module.
                    let shown = import
                        .names
                        .iter()
                        .map(|n| format!("{target}.{n}"))
                        .find(|m| module.allows(&target) && !module.allows(m))
                        .unwrap_or(target);
                    problems.push(format!(
                        "line {}: imports `{shown}`, a module of this project that its specs neither depend on nor import; import only the dependencies shown (add the module to a spec's `deps=` or import it in the spec module to allow it)",
                        import.line
                    ));
                }
                continue;
            }
            if !self.available(&top) {
                problems.push(format!(
                    "line {}: imports `{resolved}`, but `{top}` is neither in the standard library nor installed in the project's Python; use the standard library, installed packages or the dependencies shown (or add `{top}` to `[build] generated_import_allowlist`)",
                    import.line
                ));
            }
        }
        problems
    }

    /// Once, if the interpreter could not be asked: why some imports went
    /// unchecked.
    pub fn take_warning(&self) -> Option<String> {
        let mut python = self.python.lock().unwrap_or_else(|e| e.into_inner());
        match &mut *python {
            Python::Unavailable { reason, warned } if !*warned => {
                *warned = true;
                Some(format!(
                    "imports of generated modules were checked without the project's Python ({reason}): third-party imports were accepted unchecked; set `[python] interpreter`, or `check_generated_imports = false` to silence this"
                ))
            }
            _ => None,
        }
    }

    /// `a.<gen>.b` → `a.b`: the spec module behind a generated one.
    fn spec_side(&self, module: &str) -> String {
        module
            .split('.')
            .filter(|p| *p != self.generated_dir)
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Whether top-level name `top` is in the standard library or installed,
    /// per the project's interpreter (started on first use); true when no
    /// interpreter can answer.
    fn available(&self, top: &str) -> bool {
        let mut python = self.python.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(*python, Python::NotAsked) {
            *python = match Probe::start(&self.interpreter, &self.root) {
                Ok(probe) => Python::Running(probe),
                Err(reason) => Python::Unavailable {
                    reason,
                    warned: false,
                },
            };
        }
        let Python::Running(probe) = &mut *python else {
            return true;
        };
        match probe.knows(top) {
            Ok(found) => found,
            Err(reason) => {
                *python = Python::Unavailable {
                    reason,
                    warned: false,
                };
                true
            }
        }
    }
}

impl Probe {
    fn start(interpreter: &Path, root: &Path) -> Result<Probe, String> {
        let shown = interpreter.display();
        let mut child = Command::new(interpreter)
            .args(["-c", PROBE])
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {shown}: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(format!("no pipes to {shown}"));
        };
        let mut probe = Probe {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            stdlib: BTreeSet::new(),
            found: HashMap::new(),
        };
        let first = probe.answer()?;
        probe.stdlib = serde_json::from_str(&first)
            .map_err(|e| format!("unexpected answer from {shown}: {e}"))?;
        Ok(probe)
    }

    /// One line from the interpreter.
    fn answer(&mut self) -> Result<String, String> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(n) if n > 0 => Ok(line.trim_end().to_owned()),
            Ok(_) => Err("the interpreter exited".into()),
            Err(e) => Err(format!("reading from the interpreter: {e}")),
        }
    }

    fn knows(&mut self, top: &str) -> Result<bool, String> {
        if self.stdlib.contains(top) {
            return Ok(true);
        }
        if let Some(&found) = self.found.get(top) {
            return Ok(found);
        }
        writeln!(self.stdin, "{top}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("writing to the interpreter: {e}"))?;
        let found = self.answer()? == "1";
        self.found.insert(top.to_owned(), found);
        Ok(found)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `module` is `base` or inside it.
fn within(module: &str, base: &str) -> bool {
    module == base
        || module
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The package a module's relative imports start from.
fn package_of(module: &ModuleName, is_package: bool) -> Vec<String> {
    let mut parts: Vec<String> = module.parts().map(str::to_owned).collect();
    if !is_package {
        parts.pop();
    }
    parts
}

/// The dotted module an import loads, relative ones resolved against
/// `package`; `None` when it climbs above the top-level package.
fn absolute(import: &Imported, package: &[String]) -> Option<String> {
    if import.level == 0 {
        return Some(import.module.clone());
    }
    let up = usize::try_from(import.level - 1).ok()?;
    let keep = package.len().checked_sub(up)?;
    let mut parts: Vec<&str> = package[..keep].iter().map(String::as_str).collect();
    if keep == 0 {
        return None;
    }
    parts.extend(import.module.split('.').filter(|p| !p.is_empty()));
    Some(parts.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::sample_request;
    use std::os::unix::fs::PermissionsExt;

    /// A check of `shop.cart` (the sample request: it depends on
    /// `shop.money`) whose spec file imports `shop.tax` and `Rate` from
    /// `shop.rates`, with the given interpreter.
    fn check(interpreter: PathBuf, root: &Path) -> (ImportCheck, ModuleImports) {
        let internal = ["shop".to_string()].into();
        let check = ImportCheck::new(
            vec!["vendored".into()],
            internal,
            "__generated__",
            interpreter,
            root,
        );
        let spec = "import jaunt\nimport shop.tax\nfrom shop.rates import Rate\n";
        let module = check.for_module(&sample_request(), spec, false);
        (check, module)
    }

    #[test]
    fn project_imports_must_be_dependencies_or_imported_by_the_spec_file() {
        let dir = tempfile::tempdir().unwrap();
        let (check, module) = check(dir.path().join("no-python"), dir.path());
        let problems = |source: &str| check.check(source, &module);
        for fine in [
            "from shop.money import Money\n",
            "import shop.money\n",
            "import shop\n",
            "from shop.__generated__.money import Money\n",
            "from .. import money\n",
            "from ..money import Money\n",
            "from . import money\n",
            "import shop.tax.brackets\n",
            "from shop.rates import Rate, Other\n",
            "from shop import money, tax\n",
            "import vendored.sub\n",
            "from __future__ import annotations\n",
        ] {
            assert_eq!(problems(fine), Vec::<String>::new(), "{fine}");
        }
        let rejected = problems(
            "import os\ndef f():\n    from shop.secret import key\n    from . import secret\n    from .... import x\n",
        );
        assert_eq!(rejected.len(), 3, "{rejected:#?}");
        assert!(rejected[0].starts_with("line 3: imports `shop.secret`, a module of this project that its specs neither depend on nor import"), "{rejected:#?}");
        assert!(
            rejected[1].starts_with("line 4: imports `shop.secret`,"),
            "{rejected:#?}"
        );
        assert!(
            rejected[2].starts_with("line 5: the relative import goes above"),
            "{rejected:#?}"
        );
        assert_eq!(
            problems("from shop.rates.sub import x\n").len(),
            1,
            "names imported from a module are not its submodules"
        );
        assert!(
            problems("from shop.cart import Helper\n").is_empty(),
            "the spec module's own names"
        );
    }

    #[test]
    fn a_baseline_class_test_module_imports_the_classes_it_tests() {
        let dir = tempfile::tempdir().unwrap();
        let (check, _) = check(dir.path().join("no-python"), dir.path());
        let mut request = sample_request();
        request.kind = crate::names::SpecKind::Test;
        request.spec_module = ModuleName::new("shop.__generated__.test_cart");
        request.generated_module = request.spec_module.clone();
        let module = check.for_module(&request, "import jaunt\n", false);
        for fine in [
            "from shop.cart import Cart\n",
            "from shop.__generated__.cart import Cart\n",
            "from ..cart import Cart\n",
        ] {
            assert_eq!(check.check(fine, &module), Vec::<String>::new(), "{fine}");
        }
        assert_eq!(
            check.check("from shop.secret import key\n", &module).len(),
            1,
            "only the modules its specs are in"
        );
    }

    #[test]
    fn without_an_interpreter_third_party_imports_pass_with_one_warning() {
        let dir = tempfile::tempdir().unwrap();
        let (check, module) = check(dir.path().join("no-python"), dir.path());
        assert_eq!(check.take_warning(), None, "nothing asked yet");
        assert!(
            check
                .check("import numpy\nimport json\n", &module)
                .is_empty()
        );
        let warning = check.take_warning().expect("a warning");
        assert!(warning.contains("cannot run"), "{warning}");
        assert_eq!(check.take_warning(), None, "once");
    }

    #[test]
    fn the_project_interpreter_says_what_is_installed() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("fancylib")).unwrap();
        std::fs::write(site.join("fancylib/__init__.py"), "").unwrap();
        // In the project directory, so importable only from there.
        std::fs::write(dir.path().join("loose.py"), "").unwrap();
        let python = dir.path().join("python");
        std::fs::write(
            &python,
            format!(
                "#!/bin/sh\nPYTHONPATH={} exec python3 \"$@\"\n",
                site.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
        let (check, module) = check(python, dir.path());
        let problems = check.check(
            "import json\nimport collections.abc\nimport fancylib.sub\nimport loose\nfrom leftpadz import pad\n",
            &module,
        );
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].starts_with("line 4: imports `loose`, but `loose` is neither in the standard library nor installed"),
            "{problems:#?}"
        );
        assert!(
            problems[1].starts_with("line 5: imports `leftpadz`"),
            "{problems:#?}"
        );
        assert!(problems[1].contains("`[build] generated_import_allowlist`"));
        assert_eq!(check.take_warning(), None);
    }
}
