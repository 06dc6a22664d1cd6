//! Command-line habits Jaunt 1.7 users bring: `jaunt specs --module M`.

use crate::common::Fixture;
use crate::targets::shop_with_tests;

fn refs(f: &Fixture, args: &[&str]) -> Vec<String> {
    let mut all = vec!["specs", "--json"];
    all.extend_from_slice(args);
    f.json(&all)["specs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ref"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn specs_module_selects_a_module_and_the_modules_inside_it() {
    let f = shop_with_tests();
    f.write(
        "src/shopping.py",
        "import jaunt\n\n\n@jaunt.magic\ndef basket() -> None:\n    \"\"\"Not in shop.\"\"\"\n",
    );
    assert_eq!(
        refs(&f, &["--module", "shop.cart"]),
        ["shop.cart:Cart", "shop.cart:total"]
    );
    // A package prefix takes its submodules, never a longer name.
    assert_eq!(
        refs(&f, &["--module", "shop"]),
        ["shop.cart:Cart", "shop.cart:total", "shop.money:Money"]
    );
    assert_eq!(
        refs(&f, &["--module", "shop.money", "--module", "test_misc"]),
        ["shop.money:Money", "test_misc:test_plain"]
    );
    // Groups hold only the listed tests.
    let doc = f.json(&["specs", "--json", "--module", "test_cart"]);
    assert_eq!(doc["specs"].as_array().unwrap().len(), 3);
    assert_eq!(
        doc["tests_by_target"]["shop.money"],
        serde_json::json!(["test_cart:test_money"])
    );
    let (code, _, err) = f.run(&["specs", "--module", "shop.cart"]);
    assert_eq!(code, 0);
    assert_eq!(err, "2 specs in 1 modules\n");

    let (code, out, err) = f.run(&["specs", "--module", "sho", "--module", "shop"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("error[config]: --module sho: no module with specs is `sho` or inside it"),
        "{err}"
    );
    let (code, _, err) = f.run(&["specs", "--module", "shop..cart"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a dotted module name"), "{err}");
}
