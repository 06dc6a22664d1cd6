//! Jaunt 1.7's `@jaunt.test(targets=…, public_api_only=…)` and
//! `@jaunt.magic(test=…)`: read statically, edges of the test graph, shown
//! in requests, hashed only when used.

use crate::common::Fixture;
use serde_json::{Value, json};

/// A project with test roots: `shop.cart` (a class and a function),
/// `shop.money`, and test specs in `tests/` with and without targets.
pub fn shop_with_tests() -> Fixture {
    let f = Fixture::with_fake_generator().with_test_roots();
    f.write("src/shop/__init__.py", "")
        .write(
            "src/shop/money.py",
            "import jaunt\n\n\n@jaunt.magic\nclass Money:\n    \"\"\"An amount in cents.\"\"\"\n",
        )
        .write(
            "src/shop/cart.py",
            "import jaunt\nfrom shop.money import Money\n\n\n@jaunt.magic(test=False)\nclass Cart:\n    \"\"\"Prices in cents.\"\"\"\n\n    def add(self, cents: int) -> None:\n        \"\"\"Add one.\"\"\"\n\n\n@jaunt.magic\ndef total(cart: Cart) -> Money:\n    \"\"\"Sum of the cart.\"\"\"\n",
        )
        .write(
            "tests/test_cart.py",
            "import jaunt\nfrom shop.cart import Cart\n\n\n@jaunt.test(targets=[Cart])\ndef test_add() -> None:\n    \"\"\"add(250) then add(100) holds both.\"\"\"\n\n\n@jaunt.test(targets=\"shop.cart:total\", public_api_only=False)\ndef test_total() -> None:\n    \"\"\"total of an empty cart is Money(0).\"\"\"\n\n\n@jaunt.test(targets=(Cart, \"shop.money.Money\"))\ndef test_money() -> None:\n    \"\"\"A cart's total is a Money.\"\"\"\n",
        )
        .write(
            "tests/test_misc.py",
            "import jaunt\n\n\n@jaunt.test\ndef test_plain() -> None:\n    \"\"\"Nothing in particular.\"\"\"\n",
        );
    f
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

#[test]
fn targets_are_test_graph_edges_grouped_by_target_module() {
    let f = shop_with_tests();
    let g = f.json(&["graph", "--kind", "test", "--json"]);
    assert_eq!(
        strings(&g["specs"]["test_cart:test_money"]),
        ["shop.cart:Cart", "shop.money:Money"]
    );
    assert_eq!(
        strings(&g["specs"]["test_cart:test_total"]),
        ["shop.cart:Cart", "shop.cart:total"],
        "the target, and the module's import"
    );
    assert_eq!(
        g["tests_by_target"],
        json!({
            "shop.cart": ["test_cart:test_add", "test_cart:test_money", "test_cart:test_total"],
            "shop.money": ["test_cart:test_money"],
        })
    );
    let text = f.ok(&["graph", "--kind", "test"]);
    assert!(
        text.contains("  test_cart:test_total\n    -> shop.cart:Cart  (inferred, line 2)\n    -> shop.cart:total  (targets=, line 10)\n"),
        "{text}"
    );
    assert!(
        text.ends_with("tests by target module:\n  shop.cart <- test_cart:test_add, test_cart:test_money, test_cart:test_total\n  shop.money <- test_cart:test_money\n"),
        "{text}"
    );
    // The build graph has no targets.
    let build = f.json(&["graph", "--json"]);
    assert_eq!(build["tests_by_target"], json!({}));

    let specs = f.json(&["specs", "--json"]);
    let row = |r: &str| {
        specs["specs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["ref"] == r)
            .unwrap_or_else(|| panic!("no {r} in {specs:#}"))
            .clone()
    };
    assert_eq!(
        row("test_cart:test_total")["targets"],
        json!(["shop.cart:total"])
    );
    assert_eq!(row("test_cart:test_total")["public_api_only"], false);
    assert_eq!(row("test_cart:test_add")["public_api_only"], true);
    assert_eq!(row("test_misc:test_plain")["targets"], json!([]));
    assert_eq!(row("shop.cart:Cart")["test"], false);
    assert!(row("shop.cart:total").get("test").is_none());
    assert!(row("shop.cart:Cart").get("public_api_only").is_none());
    assert_eq!(specs["tests_by_target"], g["tests_by_target"]);
}

#[test]
fn requests_show_the_apis_under_test_and_the_public_api_rule() {
    let f = shop_with_tests();
    f.ok(&["test", "--no-run"]);
    let requests = f.requests();
    let test_cart = requests
        .iter()
        .find(|r| r["spec_module"] == "test_cart")
        .expect("a request for test_cart");
    assert_eq!(test_cart["kind"], "test");
    let spec = |q: &str| {
        test_cart["specs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["qualname"] == q)
            .unwrap()
            .clone()
    };
    assert_eq!(spec("test_add")["targets"], json!(["shop.cart:Cart"]));
    assert_eq!(spec("test_add")["public_api_only"], true);
    assert_eq!(spec("test_total")["public_api_only"], false);
    assert_eq!(
        spec("test_money")["targets"],
        json!(["shop.cart:Cart", "shop.money:Money"])
    );
    // Every target's spec source is in the request.
    let apis: Vec<&str> = test_cart["dependency_apis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ref"].as_str().unwrap())
        .collect();
    for target in ["shop.cart:Cart", "shop.cart:total", "shop.money:Money"] {
        assert!(apis.contains(&target), "{target} missing from {apis:?}");
    }
    let prompt = test_cart["prompt"].as_str().unwrap();
    assert!(
        prompt
            .contains("APIs under test: `shop.cart:Cart`. Test them through their public API only"),
        "{prompt}"
    );
    assert!(
        prompt.contains(
            "APIs under test: `shop.cart:total`. The tests may also use their private names"
        ),
        "{prompt}"
    );
    let misc = requests
        .iter()
        .find(|r| r["spec_module"] == "test_misc")
        .unwrap();
    assert_eq!(misc["specs"][0]["targets"], json!([]));
    assert!(!misc["prompt"].as_str().unwrap().contains("APIs under test"));
    let cart = requests
        .iter()
        .find(|r| r["spec_module"] == "shop.cart")
        .unwrap();
    assert!(cart["specs"][0]["public_api_only"].is_null());
}

/// The digests the jaunt without `targets=` computed for these specs (its
/// `jaunt specs --json`): a spec that does not use the new arguments must
/// keep them, or every committed lockfile would go stale.
const GOLDEN: [(&str, &str); 4] = [
    (
        "shop.cart:Cart",
        "b3:ab72ae26ff18e35f7e96084000bb8ea04ba5e67f1c38508eaf072156c2a91f96",
    ),
    (
        "shop.cart:discount",
        "b3:a977c4454d1de41bb06c5446be434faf3608fdb9584ac4d5b5a19557ceb8d53c",
    ),
    (
        "test_cart:test_discount",
        "b3:f6e7b97fa583656750addd99fd1b84d19379768072d4f1242a9daaa32683a63f",
    ),
    (
        "test_cart:test_total",
        "b3:e37b4a4331011b141dcffe61956107196b468db0ade5194655627027b3b23ad6",
    ),
];

fn golden_project() -> Fixture {
    let f = Fixture::with_fake_generator().with_test_roots();
    f.write("src/shop/__init__.py", "")
        .write(
            "src/shop/cart.py",
            "import jaunt\n\n\n@jaunt.magic\nclass Cart:\n    \"\"\"A shopping cart of prices in cents.\"\"\"\n\n    def add(self, cents: int) -> None:\n        \"\"\"Add one item.\"\"\"\n\n    def total(self) -> int:\n        \"\"\"Sum of the items.\"\"\"\n\n\n@jaunt.magic(deps=[Cart], prompt=\"Round half up.\", infer_deps=False)\ndef discount(cart: Cart, percent: int) -> int:\n    \"\"\"Take `percent` off the cart's total.\"\"\"\n",
        )
        .write(
            "tests/test_cart.py",
            "import jaunt\nfrom shop.cart import Cart\n\n\n@jaunt.test\ndef test_total() -> None:\n    \"\"\"An empty cart totals 0; after add(250) and add(100) it totals 350.\"\"\"\n\n\n@jaunt.test(deps=\"shop.cart:discount\", prompt=\"Use pytest.mark.parametrize.\")\ndef test_discount() -> None:\n    \"\"\"discount of a 1000-cent cart by 10 is 900.\"\"\"\n",
        );
    f
}

fn digests(f: &Fixture) -> Vec<(String, String)> {
    let specs = f.json(&["specs", "--json"]);
    specs["specs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["ref"].as_str().unwrap().to_string(),
                s["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn digests_hold_without_the_new_arguments_and_targets_change_one_key() {
    let f = golden_project();
    let golden: Vec<(String, String)> = GOLDEN
        .iter()
        .map(|(r, d)| (r.to_string(), d.to_string()))
        .collect();
    assert_eq!(digests(&f), golden);
    // public_api_only=True is the default: writing it changes nothing.
    let tests = f.read("tests/test_cart.py");
    f.write(
        "tests/test_cart.py",
        &tests.replace("@jaunt.test\n", "@jaunt.test(public_api_only=True)\n"),
    );
    assert_eq!(digests(&f), golden);
    f.write("tests/test_cart.py", &tests);

    f.ok(&["test", "--no-run"]);
    let lock = f.read("jaunt.lock");
    f.clear_log();
    f.ok(&["test", "--no-run"]);
    assert!(
        f.requests().is_empty(),
        "an unchanged project calls no model"
    );
    assert_eq!(f.read("jaunt.lock"), lock);
    f.ok(&["check"]);

    f.write(
        "tests/test_cart.py",
        &tests.replace("@jaunt.test\n", "@jaunt.test(targets=[Cart])\n"),
    );
    let after = digests(&f);
    let changed: Vec<&str> = after
        .iter()
        .zip(&golden)
        .filter(|(a, g)| a != g)
        .map(|(a, _)| a.0.as_str())
        .collect();
    assert_eq!(changed, ["test_cart:test_total"]);
    let plan = f.json(&["status", "--json"]);
    let not_fresh: Vec<(&str, &str)> = plan["modules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] != "fresh")
        .map(|m| (m["name"].as_str().unwrap(), m["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(not_fresh, [("test_cart", "test")]);
    f.ok(&["test", "--no-run"]);
    let called: Vec<String> = f
        .requests()
        .iter()
        .map(|r| r["spec_module"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(called, ["test_cart"]);
    // Only the test module's entry moved in the lockfile.
    let block = |text: &str, name: &str, kind: &str| -> String {
        text.split("[[module]]")
            .find(|b| {
                b.contains(&format!("name = \"{name}\""))
                    && b.contains(&format!("kind = \"{kind}\""))
            })
            .unwrap_or_else(|| panic!("no {name} ({kind}) in\n{text}"))
            .to_string()
    };
    let new_lock = f.read("jaunt.lock");
    assert_eq!(
        block(&new_lock, "shop.cart", "build"),
        block(&lock, "shop.cart", "build")
    );
    assert_ne!(
        block(&new_lock, "test_cart", "test"),
        block(&lock, "test_cart", "test")
    );
}

#[test]
fn unreadable_or_misplaced_arguments_are_errors_naming_file_and_line() {
    let f = shop_with_tests();
    f.write(
        "tests/test_bad.py",
        "import jaunt\n\n\n@jaunt.test(targets=find_targets())\ndef test_x() -> None:\n    \"\"\"X.\"\"\"\n\n\n@jaunt.test(public_api_only=STRICT)\ndef test_y() -> None:\n    \"\"\"Y.\"\"\"\n",
    );
    let (code, out, err) = f.run(&["specs"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("error[discovery]: tests/test_bad.py:4: targets= entry `find_targets()` cannot be read without running the code (column 21)"),
        "{err}"
    );
    assert!(
        err.contains("hint: targets= takes a name, a dotted name, a \"pkg.mod:Name\" string, or a list of those"),
        "{err}"
    );
    assert!(
        err.contains("error[discovery]: tests/test_bad.py:9: public_api_only= must be the literal True or False (column 29)"),
        "{err}"
    );
    std::fs::remove_file(f.path("tests/test_bad.py")).unwrap();
    let cart = f.read("src/shop/cart.py");
    f.write(
        "src/shop/cart.py",
        &cart.replace(
            "@jaunt.magic(test=False)",
            "@jaunt.magic(targets=[Money], test=maybe())",
        ),
    );
    let (code, out, err) = f.run(&["plan", "--json"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    let doc: Value = serde_json::from_str(&err).unwrap();
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{doc:#}");
    assert_eq!(errors[0]["file"], "src/shop/cart.py");
    assert_eq!(errors[0]["line"], 5);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("`targets=` is an argument of @jaunt.test, not @jaunt.magic")
    );
    assert!(
        errors[1]["message"]
            .as_str()
            .unwrap()
            .contains("test= must be the literal True or False")
    );
}

#[test]
fn an_unresolved_target_is_dropped_with_a_note() {
    let f = shop_with_tests();
    let tests = f.read("tests/test_cart.py");
    f.write(
        "tests/test_cart.py",
        &tests.replace("targets=[Cart]", "targets=[\"shop.cart:Crat\"]"),
    );
    let (code, _, err) = f.run(&["graph", "--kind", "test", "-v"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("note: dropped target: test_cart:test_add targets= entry 'shop.cart:Crat' resolves to no spec at tests/test_cart.py:5"),
        "{err}"
    );
}

#[test]
fn targeted_discovery_follows_string_targets() {
    let f = shop_with_tests();
    f.write(
        "tests/test_strings.py",
        "import jaunt\n\n\n@jaunt.test(targets=\"shop.money:Money\")\ndef test_money() -> None:\n    \"\"\"Money(5) is five cents.\"\"\"\n",
    );
    let g = f.json(&[
        "graph",
        "--kind",
        "test",
        "--json",
        "--target",
        "test_strings",
    ]);
    assert_eq!(
        strings(&g["specs"]["test_strings:test_money"]),
        ["shop.money:Money"],
        "{g:#}"
    );
    assert_eq!(
        g["tests_by_target"],
        json!({"shop.money": ["test_strings:test_money"]})
    );
}
