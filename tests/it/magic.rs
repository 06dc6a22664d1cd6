//! Jaunt 1.7's module-level magic and whole-class specs, end to end with
//! the fake generator test double: what the request carries, sealed
//! signatures enforced by the retry loop, and lockfiles from before stub
//! bodies were folded planning without a model call.

use crate::common::{Fixture, copy_tree, fake_generator};
use serde_json::{Value, json};
use std::path::Path;

const LEDGER: &str = r#"import jaunt

jaunt.magic_module(__name__, prompt="Use integer cents.")


def rate() -> int:
    return 20


def net(gross: int) -> int:
    """Gross minus tax at `rate()` percent."""


class Ledger:
    """Entries of cents; the model designs the API."""


@jaunt.magic(prompt="Round down.")
def tax(gross: int) -> int:
    raise NotImplementedError
"#;

fn ledger() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write("src/pkg/__init__.py", "")
        .write("src/pkg/ledger.py", LEDGER);
    f
}

/// The refs of the specs a request or `jaunt specs --json` lists.
fn spec_refs(request: &Value) -> Vec<&str> {
    request["specs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ref"].as_str().unwrap())
        .collect()
}

#[test]
fn magic_module_specs_carry_its_defaults_and_the_request_shows_handwritten_code() {
    let f = ledger();
    let specs = f.json(&["specs", "--json"]);
    let refs = spec_refs(&specs);
    assert_eq!(
        refs,
        ["pkg.ledger:Ledger", "pkg.ledger:net", "pkg.ledger:tax"]
    );
    f.ok(&["apply"]);
    let requests = f.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(spec_refs(request), refs);
    let prompts: Vec<&Value> = request["specs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["prompt"])
        .collect();
    assert_eq!(
        prompts,
        [
            &json!("Use integer cents."),
            &json!("Use integer cents."),
            &json!("Round down.")
        ]
    );
    assert_eq!(
        request["specs"][1]["source"],
        "def net(gross: int) -> int:\n    \"\"\"Gross minus tax at `rate()` percent.\"\"\""
    );
    assert_eq!(
        request["handwritten"],
        json!([{"name": "rate", "source": "def rate() -> int:\n    return 20"}])
    );
    let prompt = request["prompt"].as_str().unwrap();
    assert!(
        prompt.contains("### Handwritten code in `pkg.ledger`") && prompt.contains("return 20"),
        "{prompt}"
    );
    let generated = f.read("src/pkg/__generated__/ledger.py");
    for name in ["def net(", "def tax(", "class Ledger:"] {
        assert!(generated.contains(name), "{generated}");
    }
    assert!(!generated.contains("def rate("), "{generated}");
}

#[test]
fn stub_forms_and_formatting_are_free_and_handwritten_edits_regenerate() {
    let f = ledger();
    f.ok(&["apply"]);
    f.clear_log();
    // The four stub bodies digest alike; handwritten code is compared up
    // to formatting.
    let restyled = LEDGER
        .replace(
            "percent.\"\"\"\n",
            "percent.\"\"\"\n    raise NotImplementedError()\n",
        )
        .replace("    raise NotImplementedError\n", "    pass\n")
        .replace("the API.\"\"\"\n", "the API.\"\"\"\n    ...\n")
        .replace("def rate() -> int:", "def rate()->int :  ");
    assert_ne!(restyled, LEDGER);
    f.write("src/pkg/ledger.py", &restyled);
    // The module's key is unchanged; only its `.pyi` stub, rendered from
    // the whole file, is written again.
    let report = f.json(&["apply", "--json"]);
    assert_eq!(report["model_calls"], 0, "{report:#}");
    assert_eq!(report["generated"], json!([]), "{report:#}");
    assert!(f.requests().is_empty());
    // The model saw `rate`: changing it is a change to the request.
    f.write(
        "src/pkg/ledger.py",
        &restyled.replace("return 20", "return 19"),
    );
    let report = f.json(&["apply", "--json"]);
    assert_eq!(report["model_calls"], 1, "{report:#}");
    let request = &f.requests()[0];
    assert!(
        request["handwritten"][0]["source"]
            .as_str()
            .unwrap()
            .contains("return 19")
    );
}

const ACCOUNT: &str = r#"import jaunt
from jaunt import sig


@jaunt.magic
class Account:
    """A bank account in integer cents."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.cents = 0

    @jaunt.preserve
    def audit(self) -> str:
        # the auditors read this line
        return f"{self.owner}: {self.cents}"

    @sig
    def deposit(self, cents: int, *, note: str = "") -> None:
        """Add `cents` (> 0, else ValueError)."""

    def balance(self) -> int:
        """The balance."""
        raise NotImplementedError

    @jaunt.magic(prompt="Never below zero.")
    def withdraw(self, cents: int) -> None:
        """Take `cents` out."""
"#;

#[test]
fn a_class_spec_request_names_each_methods_role_and_the_generated_class_keeps_them() {
    let f = Fixture::with_fake_generator();
    f.write("src/pkg/__init__.py", "")
        .write("src/pkg/account.py", ACCOUNT);
    let specs = f.json(&["specs", "--json"]);
    assert_eq!(specs["specs"].as_array().unwrap().len(), 1, "{specs:#}");
    f.ok(&["apply"]);
    let request = &f.requests()[0];
    assert_eq!(spec_refs(request), ["pkg.account:Account"]);
    assert_eq!(
        request["expected_names"],
        json!([
            "Account",
            "Account.audit",
            "Account.deposit",
            "Account.withdraw"
        ])
    );
    let roles: Vec<(&str, &str)> = request["specs"][0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("__init__", "handwritten"),
            ("audit", "preserved"),
            ("deposit", "sealed"),
            ("balance", "guidepost"),
            ("withdraw", "spec"),
        ]
    );
    let prompt = request["prompt"].as_str().unwrap();
    for line in [
        "- `audit`: preserved (`@jaunt.preserve`): copy it into the class verbatim, unchanged",
        "- `deposit`: sealed (`@jaunt.sig`): keep exactly the signature `def deposit(self, cents: int, *, note: str = \"\") -> None`, and write its body",
        "- `balance`: a guidepost: a suggested method; adapt its signature if the design needs it",
        "- `withdraw`: a spec (`@jaunt.magic`): implement it as its docstring says (decorator prompt: Never below zero.)",
    ] {
        assert!(prompt.contains(line), "{line}\n{prompt}");
    }
    let generated = f.read("src/pkg/__generated__/account.py");
    assert!(
        generated.contains("return f'{self.owner}: {self.cents}'"),
        "{generated}"
    );
}

#[test]
fn a_changed_sealed_signature_is_rejected_and_retried_with_the_error() {
    let f = Fixture::with_fake_generator();
    f.write("src/pkg/__init__.py", "")
        .write("src/pkg/account.py", ACCOUNT);
    let out = f
        .jaunt()
        .env("FAKE_GEN_SIG_DRIFT_FIRST", "pkg.account")
        .args(["apply", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["model_calls"], 2, "{report:#}");
    let requests = f.requests();
    assert_eq!(requests[1]["attempt"], 2);
    assert_eq!(
        requests[1]["errors"],
        json!([
            "sealed signature changed: Account.deposit is marked @jaunt.sig, so it must be `def deposit(self, cents: int, *, note: str = \"\") -> None`, not `def deposit(self, cents: int, *, note: str = \"\", extra=None) -> None`"
        ])
    );
    assert!(
        requests[1]["prompt"]
            .as_str()
            .unwrap()
            .contains("Account.deposit is marked @jaunt.sig")
    );
    let generated = f.read("src/pkg/__generated__/account.py");
    assert!(
        generated.contains("def deposit(self, cents: int, *, note: str = \"\") -> None:"),
        "{generated}"
    );
    // With only one attempt allowed the drift fails the module (exit 3).
    let g = Fixture::with_fake_generator();
    let config = g.read("jaunt.toml") + "\n[build]\nmax_attempts = 1\n";
    g.write("jaunt.toml", &config)
        .write("src/pkg/__init__.py", "")
        .write("src/pkg/account.py", ACCOUNT);
    let out = g
        .jaunt()
        .env("FAKE_GEN_SIG_DRIFT_FIRST", "pkg.account")
        .arg("apply")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("sealed signature changed"), "{err}");
}

#[test]
fn magic_module_mistakes_are_discovery_errors_with_file_and_line() {
    let f = Fixture::with_fake_generator();
    f.write("src/pkg/__init__.py", "").write(
        "src/pkg/m.py",
        "import jaunt\njaunt.magic_module(__name__)\n\ndef f() -> int: ...\n\njaunt.magic_module(__name__, prompt=PROMPT)\n",
    );
    let (code, _, err) = f.run(&["plan"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error[discovery]: src/pkg/m.py:6: jaunt.magic_module is called twice in this module (first on line 2)"),
        "{err}"
    );
    assert!(
        err.contains("hint: one jaunt.magic_module call per module"),
        "{err}"
    );
    assert!(f.requests().is_empty());
}

#[test]
fn a_lockfile_from_before_folded_stub_bodies_plans_with_zero_model_calls() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lock-prefold");
    let f = Fixture::new();
    copy_tree(&fixture, f.root(), &[]);
    std::fs::copy(fake_generator(), f.path("fake_generator.py")).unwrap();
    let store = f.path("store");
    let run = |args: &[&str]| {
        let out = f
            .jaunt()
            .env("JAUNT_STORE", &store)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["plan", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let modules = plan["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 2, "{plan:#}");
    for m in modules {
        assert_eq!(m["status"], "rewrite", "{plan:#}");
        assert!(
            m["reasons"][0]
                .as_str()
                .unwrap()
                .starts_with("re-keyed: jaunt.lock predates folded stub bodies"),
            "{plan:#}"
        );
    }
    let (code, out, err) = run(&["apply", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["model_calls"], 0, "{report:#}");
    assert_eq!(report["rewritten"].as_array().unwrap().len(), 2);
    assert!(f.requests().is_empty());
    let (code, _, err) = run(&["check"]);
    assert_eq!(code, Some(0), "{err}");
    // With the generated files gone too, the store alone re-keys them.
    let g = Fixture::new();
    copy_tree(&fixture, g.root(), &["__generated__"]);
    std::fs::copy(fake_generator(), g.path("fake_generator.py")).unwrap();
    let out = g
        .jaunt()
        .env("JAUNT_STORE", g.path("store"))
        .args(["apply", "--json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["model_calls"], 0, "{report:#}");
    assert!(g.requests().is_empty());
}

#[test]
fn auto_class_tests_are_a_generated_artifact_of_class_specs_that_jaunt_test_runs() {
    let f = Fixture::with_fake_generator();
    let config = f.read("jaunt.toml") + "\n[test]\nauto_class_tests = true\n";
    f.write("jaunt.toml", &config)
        .write("src/pkg/__init__.py", "")
        .write(
            "src/pkg/wallet.py",
            "import jaunt\n\n\n@jaunt.magic(prompt=\"Cents.\")\nclass Wallet:\n    \"\"\"Coins in and out; never negative.\"\"\"\n\n\n@jaunt.magic\ndef total() -> int:\n    \"\"\"All coins.\"\"\"\n",
        )
        // Every class here opts out: no baseline test module for it.
        .write(
            "src/pkg/optin.py",
            "import jaunt\n\n\n@jaunt.magic(test=False)\nclass Quiet:\n    \"\"\"Opted out.\"\"\"\n\n\n@jaunt.magic(test=False)\nclass Purse:\n    \"\"\"Not tested.\"\"\"\n",
        );
    // Not test specs: `jaunt specs` lists the build specs only.
    let specs = f.json(&["specs", "--json"]);
    let kinds: Vec<&str> = specs["specs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["build"; 4], "{specs:#}");
    // `jaunt apply` builds; only `jaunt test` writes the baseline tests.
    f.ok(&["apply"]);
    assert!(f.requests().iter().all(|r| r["kind"] == "build"));
    assert!(!f.exists("src/pkg/__generated__/test_wallet.py"));
    f.clear_log();
    let (code, out, err) = f.run(&["test"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("1 passed"), "{out}");
    let requests = f.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let request = &requests[0];
    assert_eq!(request["kind"], "test");
    assert_eq!(request["spec_module"], "pkg.__generated__.test_wallet");
    assert_eq!(request["expected_names"], json!(["test_Wallet"]));
    assert_eq!(spec_refs(request), ["pkg.wallet:Wallet"]);
    let prompt = request["specs"][0]["prompt"].as_str().unwrap();
    assert!(
        prompt.starts_with("Cents.\n\nBaseline tests for this class spec"),
        "{prompt}"
    );
    let generated = f.read("src/pkg/__generated__/test_wallet.py");
    assert!(generated.contains("# jaunt:kind=test"), "{generated}");
    assert!(!f.exists("src/pkg/__generated__/test_optin.py"));
    let lock = f.read("jaunt.lock");
    assert!(
        lock.contains("name = \"pkg.__generated__.test_wallet\"\nkind = \"test\"\nsource = \"src/pkg/wallet.py\"\noutput = \"src/pkg/__generated__/test_wallet.py\""),
        "{lock}"
    );
    // Recorded: the next run calls no model.
    f.clear_log();
    let (code, _, err) = f.run(&["test"]);
    assert_eq!(code, 0, "{err}");
    assert!(f.requests().is_empty());
    // Keyed on the class spec: changing it regenerates both.
    f.write(
        "src/pkg/wallet.py",
        &f.read("src/pkg/wallet.py")
            .replace("never negative", "never below zero"),
    );
    let (code, _, err) = f.run(&["test", "--no-run"]);
    assert_eq!(code, 0, "{err}");
    let mut kinds: Vec<String> = f
        .requests()
        .iter()
        .map(|r| {
            format!(
                "{}:{}",
                r["kind"].as_str().unwrap(),
                r["spec_module"].as_str().unwrap()
            )
        })
        .collect();
    // Test modules do not wait for build modules: either may go first.
    kinds.sort();
    assert_eq!(
        kinds,
        ["build:pkg.wallet", "test:pkg.__generated__.test_wallet"]
    );
    // Opting out removes them.
    f.write(
        "src/pkg/wallet.py",
        &f.read("src/pkg/wallet.py").replace(
            "@jaunt.magic(prompt=\"Cents.\")",
            "@jaunt.magic(prompt=\"Cents.\", test=False)",
        ),
    );
    let (code, _, err) = f.run(&["test", "--no-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(!f.exists("src/pkg/__generated__/test_wallet.py"));
    assert!(!f.read("jaunt.lock").contains("test_wallet"));
}

/// Every way a top-level definition can fall on either side of
/// `jaunt.magic_module`'s rule.
const RULES: &str = r#"import functools

import jaunt
from jaunt import preserve


def tag(obj):
    return obj


def before() -> int: ...


class BeforeClass:
    """Before the call."""


jaunt.magic_module(
    __name__,
    prompt="Spans lines.",
)


def ellipsis_stub() -> int: ...


def doc_stub() -> int:
    """Only a docstring."""


def pass_stub() -> None:
    pass


def raise_stub() -> int:
    """Docstring, then a raise with a message."""
    raise NotImplementedError("later")


async def async_stub() -> int: ...


def real() -> int:
    return 1


@functools.cache
def cached() -> int: ...


@tag
def tagged() -> int: ...


@preserve
def kept() -> int: ...


@jaunt.magic(prompt="Its own.")
def explicit() -> int: ...


def shadowed() -> int: ...


def shadowed() -> int:
    return 2


def rebound() -> int: ...


rebound = real


class Plan:
    """Docstring only."""


class DocThenPass:
    """Docstring and pass."""

    pass


class TwoPlaceholders:
    """Docstring, pass and an ellipsis: not a stub body."""

    pass
    ...


class Mixed:
    def real(self) -> int:
        return 1

    def todo(self) -> int: ...


class AllPreserved:
    @jaunt.preserve
    def m(self) -> int: ...


@tag
class Tagged:
    """A decorated docstring-only class."""
"#;

/// The names of `pkg.rules` that Python, importing it with jaunt's runtime
/// (unbuilt), made specs: those carrying their own `__jaunt_spec__`.
const RUNTIME_SPECS: &str = r#"
import warnings
warnings.simplefilter("ignore")
import pkg.rules as m
print(sorted(
    name for name, obj in vars(m).items()
    if (vars(obj) if isinstance(obj, type) else getattr(obj, "__dict__", {})).get("__jaunt_spec__")
    is not None
))
"#;

#[test]
fn discovery_and_the_runtime_agree_on_which_definitions_magic_module_makes_specs() {
    let f = Fixture::new();
    f.write("jaunt.toml", "version = 1\n")
        .write("src/pkg/__init__.py", "")
        .write("src/pkg/rules.py", RULES);
    let specs = f.json(&["specs", "--json"]);
    let mut discovered: Vec<&str> = spec_refs(&specs)
        .into_iter()
        .map(|r| r.trim_start_matches("pkg.rules:"))
        .collect();
    discovered.sort_unstable();
    assert_eq!(
        discovered,
        [
            "DocThenPass",
            "Mixed",
            "Plan",
            "async_stub",
            "doc_stub",
            "ellipsis_stub",
            "explicit",
            "pass_stub",
            "raise_stub"
        ]
    );
    let out = f.python_with_runtime(RUNTIME_SPECS, &["src"]);
    let quoted: Vec<String> = discovered.iter().map(|n| format!("'{n}'")).collect();
    assert_eq!(out.trim(), format!("[{}]", quoted.join(", ")));
}
