//! `jaunt lock diff` and `jaunt plan --base` on real git repositories made
//! with the `git` binary (jaunt itself reads them with gix).

use crate::common::Fixture;
use std::process::Command;

fn git(f: &Fixture, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(f.root())
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("the git binary is needed by this test");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn commit(f: &Fixture, message: &str) {
    git(f, &["add", "-A"]);
    git(f, &["commit", "-q", "-m", message]);
}

/// main: a commit without jaunt.lock (tagged `nolock`), then one with
/// three modules; branch `feature` changes, adds and removes modules;
/// main moves on afterwards, so the merge base is not main's tip.
fn repo() -> Fixture {
    let f = Fixture::with_fake_generator();
    f.write(
        ".gitignore",
        ".store/\n.fake-gen.log\n.jaunt/\n__generated__/\n",
    );
    git(&f, &["init", "-q"]);
    commit(&f, "config");
    git(&f, &["tag", "nolock"]);
    f.write("src/shop/__init__.py", "")
        .write(
            "src/shop/money.py",
            "import jaunt\n@jaunt.magic\nclass Money:\n    '''Cents.'''\n",
        )
        .write(
            "src/shop/cart.py",
            "import jaunt\nfrom shop.money import Money\n@jaunt.magic\ndef total(prices: list[Money]) -> Money:\n    'Sum.'\n@jaunt.magic\ndef count(prices: list[Money]) -> int:\n    'How many.'\n",
        )
        .write(
            "src/shop/old.py",
            "import jaunt\n@jaunt.magic\ndef legacy() -> None:\n    'Old.'\n",
        );
    f.ok(&["apply"]);
    commit(&f, "three modules");

    git(&f, &["checkout", "-q", "-b", "feature"]);
    f.write(
        "src/shop/cart.py",
        "import jaunt\nfrom shop.money import Money\n@jaunt.magic\ndef total(prices: list[Money]) -> Money:\n    'Sum, rounded.'\n@jaunt.magic\ndef mean(prices: list[Money]) -> Money:\n    'Average.'\n",
    )
    .write(
        "src/shop/tax.py",
        "import jaunt\n@jaunt.magic\ndef vat(cents: int) -> int:\n    'VAT.'\n",
    );
    std::fs::remove_file(f.path("src/shop/old.py")).unwrap();
    f.ok(&["apply"]);
    commit(&f, "feature");

    git(&f, &["checkout", "-q", "main"]);
    f.write(
        "src/shop/extra.py",
        "import jaunt\n@jaunt.magic\ndef extra() -> None:\n    'More.'\n",
    );
    f.ok(&["apply"]);
    commit(&f, "main moves on");
    git(&f, &["checkout", "-q", "feature"]);
    f.ok(&["apply"]);
    f
}

const TEXT: &str = "\
jaunt.lock changes since merge base of HEAD and main (BASE):
  + shop.tax (added)
  - shop.old (removed)
  ~ shop.cart (regenerated, artifact changed)
      spec added: shop.cart:mean
      spec removed: shop.cart:count
      spec changed: shop.cart:total
";

/// The report with the merge base's abbreviated id replaced by `BASE`.
fn masked(text: &str) -> String {
    let Some(start) = text.find("main (") else {
        return text.to_string();
    };
    let start = start + "main (".len();
    let end = start + text[start..].find(')').unwrap();
    format!("{}BASE{}", &text[..start], &text[end..])
}

#[test]
fn text_report_against_the_merge_base_with_main() {
    let f = repo();
    assert_eq!(masked(&f.ok(&["lock", "diff"])), TEXT);
}

#[test]
fn markdown_report_is_a_table_for_a_pull_request() {
    let f = repo();
    let out = f.ok(&["lock", "diff", "--format", "markdown"]);
    assert_eq!(
        masked(&out),
        "\
### `jaunt.lock` changes since merge base of HEAD and main (BASE)

| module | change | specs | artifact |
|---|---|---|---|
| `shop.tax` | added |  |  |
| `shop.old` | removed |  |  |
| `shop.cart` | regenerated | + `shop.cart:mean`<br>- `shop.cart:count`<br>~ `shop.cart:total` | changed |
"
    );
}

#[test]
fn json_report_has_the_documented_shape() {
    let f = repo();
    let json = f.json(&["lock", "diff", "--format", "json"]);
    assert_eq!(
        json,
        serde_json::json!({
            "added": ["shop.tax"],
            "removed": ["shop.old"],
            "regenerated": [{
                "name": "shop.cart",
                "specs_added": ["shop.cart:mean"],
                "specs_removed": ["shop.cart:count"],
                "specs_changed": ["shop.cart:total"],
                "artifact_changed": true
            }],
            "generator_changed": false,
            "skills_changed": [],
            "contracts_added": [],
            "contracts_removed": [],
            "contracts_rederived": []
        })
    );
    assert_eq!(f.json(&["lock", "diff", "--json"]), json);
}

#[test]
fn an_explicit_base_is_used_as_is() {
    let f = repo();
    // main's tip has shop.extra, which the branch never had.
    let out = f.ok(&["lock", "diff", "--base", "main"]);
    assert!(out.starts_with("jaunt.lock changes since main:\n"), "{out}");
    assert!(out.contains("  - shop.extra (removed)\n"), "{out}");
    // No jaunt.lock at the base: everything is added.
    let json = f.json(&["lock", "diff", "--base", "nolock", "--format", "json"]);
    assert_eq!(
        json["added"],
        serde_json::json!(["shop.cart", "shop.money", "shop.tax"])
    );
    assert_eq!(json["removed"], serde_json::json!([]));
    assert_eq!(
        f.ok(&["lock", "diff", "--base", "HEAD"]),
        "jaunt.lock: no changes since HEAD\n"
    );
}

#[test]
fn plan_base_prints_the_diff_below_the_plan() {
    let f = repo();
    f.write(
        "src/shop/tax.py",
        "import jaunt\n@jaunt.magic\ndef vat(cents: int) -> int:\n    'VAT at 20%.'\n",
    );
    let out = f.ok(&["plan", "--base", "main"]);
    let (plan, diff) = out.split_once("\n\n").unwrap();
    assert!(plan.contains("shop.tax (generate)"), "{out}");
    assert!(diff.contains("Plan: 1 to generate"), "{out}");
    assert!(diff.contains("jaunt.lock changes since main:\n"), "{out}");
}

#[test]
fn unknown_revisions_and_missing_default_branches_are_clear_errors() {
    let f = repo();
    let (code, _, err) = f.run(&["lock", "diff", "--base", "no-such-branch"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("cannot resolve revision `no-such-branch`"),
        "{err}"
    );
    assert!(err.contains("hint: pass --base REV"), "{err}");

    let g = Fixture::with_fake_generator();
    git(&g, &["init", "-q", "-b", "trunk"]);
    commit(&g, "config");
    let (code, _, err) = g.run(&["lock", "diff"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("none of main, master or origin/HEAD exists"),
        "{err}"
    );
}

/// A contract whose `{name}` returns `x * factor`, with `doc` as its
/// docstring's first line.
fn contract(name: &str, doc: &str, factor: u32) -> String {
    format!(
        "@jaunt.contract\ndef {name}(x: int) -> int:\n    \"\"\"{doc}\n\n    Examples:\n      - 2 -> {}\n    \"\"\"\n    return x * {factor}\n\n\n",
        2 * factor
    )
}

#[test]
fn contract_entries_added_removed_and_rederived_are_reported() {
    let f = Fixture::with_fake_generator();
    f.write(".gitignore", ".store/\n.fake-gen.log\n.jaunt/\n");
    git(&f, &["init", "-q"]);
    let module = |parts: &[String]| format!("import jaunt\n\n\n{}", parts.concat());
    f.write(
        "src/calc.py",
        &module(&[
            contract("double", "Twice x.", 2),
            contract("triple", "Thrice x.", 3),
            contract("halve", "Half of x.", 1),
        ]),
    );
    f.ok(&["reconcile"]);
    commit(&f, "three contracts");
    git(&f, &["checkout", "-q", "-b", "feature"]);
    // double: new prose and example; triple: gone; quad: new; halve: only
    // its body changes, which its entry never records.
    f.write(
        "src/calc.py",
        &module(&[
            contract("double", "Two times x.", 2).replace("- 2 -> 4", "- 3 -> 6"),
            contract("halve", "Half of x.", 1).replace("return x * 1", "return x"),
            contract("quad", "Four times x.", 4),
        ]),
    );
    f.ok(&["reconcile"]);
    commit(&f, "feature");
    let text = masked(&f.ok(&["lock", "diff"]));
    insta::assert_snapshot!("lock_diff_contracts_text", text);
    let markdown = masked(&f.ok(&["lock", "diff", "--format", "markdown"]));
    insta::assert_snapshot!("lock_diff_contracts_markdown", markdown);
    let json = f.json(&["lock", "diff", "--json"]);
    assert_eq!(json["contracts_added"], serde_json::json!(["calc:quad"]));
    assert_eq!(
        json["contracts_removed"],
        serde_json::json!(["calc:triple"])
    );
    assert_eq!(
        json["contracts_rederived"],
        serde_json::json!([{
            "ref": "calc:double",
            "prose_changed": true,
            "signature_changed": false,
            "artifact_changed": true
        }])
    );
    assert_eq!(json["added"], serde_json::json!([]), "no module changed");
    // `plan --base` shows the same lines below the plan.
    let plan = f.ok(&["plan", "--base", "main"]);
    assert!(
        plan.contains("  ~ contract calc:double (re-derived, prose changed, battery changed)\n"),
        "{plan}"
    );
}
