//! Every machine-readable output validates against its JSON Schema in
//! `schema/` (checked with Python's `jsonschema`, which the test command
//! installs), and jaunt.lock.example against the lockfile schema.

mod common;

use common::Fixture;
use std::path::Path;
use std::process::Command;

fn validate(schema: &str, instance: &str) {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(schema);
    let script = "import json, sys, jsonschema\n\
schema = json.load(open(sys.argv[1]))\n\
jsonschema.Draft202012Validator.check_schema(schema)\n\
jsonschema.validate(json.loads(sys.stdin.read()), schema, cls=jsonschema.Draft202012Validator)\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .arg(&schema_path)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(instance.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{schema} rejects the output (pip install jsonschema if it is missing):\n{}\n{instance}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn project() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write("src/shop/__init__.py", "")
        .write("src/shop/money.py", "import jaunt\n\n\n@jaunt.magic\nclass Money:\n    \"\"\"Cents.\"\"\"\n")
        .write(
            "src/shop/cart.py",
            "import jaunt\nfrom shop.money import Money\n\n\nclass Cart:\n    @jaunt.magic\n    async def total(self) -> Money:\n        \"\"\"Sum.\"\"\"\n",
        )
        .write("tests/test_cart.py", "import jaunt\nfrom shop.cart import Cart\n\n\n@jaunt.test\ndef test_total() -> None:\n    \"\"\"Cart().total() of nothing is zero.\"\"\"\n");
    f.write(
        "jaunt.toml",
        &f.read("jaunt.toml").replace(
            "source_roots = [\"src\"]",
            "source_roots = [\"src\"]\ntest_roots = [\"tests\"]",
        ),
    );
    f
}

#[test]
fn json_outputs_match_their_schemas() {
    let f = project();
    validate("specs.schema.json", &f.ok(&["specs", "--json"]));
    validate("graph.schema.json", &f.ok(&["graph", "--format", "json"]));
    validate(
        "graph.schema.json",
        &f.ok(&["graph", "--format", "json", "--kind", "test"]),
    );
    validate("plan.schema.json", &f.ok(&["plan", "--json"]));
    validate("apply.schema.json", &f.ok(&["apply", "--json"]));
    validate("plan.schema.json", &f.ok(&["check", "--json"]));
    let (code, out, _) = f.run(&["test", "--no-run", "--json"]);
    assert_eq!(code, 0);
    validate("apply.schema.json", &out);
    validate("plan.schema.json", &f.ok(&["status", "--json"]));
    std::fs::remove_file(f.path("src/shop/__generated__/money.py")).unwrap();
    let (code, out, _) = f.run(&["check", "--json"]);
    assert_eq!(code, 4);
    validate("plan.schema.json", &out);
}

#[test]
fn lock_diff_json_matches_its_schema() {
    let f = project();
    f.ok(&["apply"]);
    let git = |args: &[&str]| {
        let st = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@e",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(f.root())
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "jaunt.lock"]);
    git(&["commit", "-qm", "lock"]);
    f.write(
        "src/shop/money.py",
        &f.read("src/shop/money.py")
            .replace("Cents.", "Whole cents."),
    );
    f.ok(&["apply"]);
    let out = f.ok(&["lock", "diff", "--base", "HEAD", "--format", "json"]);
    assert!(out.contains("shop.money"), "{out}");
    validate("lock-diff.schema.json", &out);
}

#[test]
fn lockfiles_match_the_lockfile_schema() {
    let f = project();
    f.ok(&["test", "--no-run"]);
    for text in [
        f.read("jaunt.lock"),
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("jaunt.lock.example"))
            .unwrap(),
    ] {
        let script =
            "import json, sys, tomllib\nprint(json.dumps(tomllib.loads(sys.stdin.read())))";
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        validate(
            "jaunt.lock.schema.json",
            &String::from_utf8_lossy(&out.stdout),
        );
    }
}
