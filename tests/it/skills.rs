//! Library skills end to end: a real virtual environment with real wheels,
//! a loopback PyPI JSON mock, and the fake generator writing SKILL.md.

use crate::common::http::{Reply, Server};
use crate::common::{Fixture, names, set};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A loopback stand-in for the PyPI JSON API: answers slowly (so
/// concurrency shows) with each release's README, and 404 for the paths
/// listed in `failing`. Returns the server and the `index_url`.
fn mock_index(failing: Arc<Mutex<BTreeSet<String>>>) -> (Server, String) {
    let server = Server::start(move |_, seen| {
        if failing.lock().expect("lock").contains(&seen.path) {
            return Reply {
                delay: Duration::from_millis(400),
                ..Reply::json(404, serde_json::json!({"message": "Not Found"}))
            };
        }
        let release: Vec<&str> = seen.path.split('/').collect();
        let readme = format!("README of {} {}", release[2], release[3]);
        Reply {
            delay: Duration::from_millis(400),
            ..Reply::json(200, serde_json::json!({"info": {"description": readme}}))
        }
    });
    let url = server.url("/pypi");
    (server, url)
}

fn take_paths(server: &Server) -> BTreeSet<String> {
    server.take_paths().into_iter().collect()
}

/// Installs pinned wheels into the project's `.venv` (from PyPI, quietly).
fn pip_install(venv: &Path, packages: &[&str]) {
    let status = Command::new("python3")
        .args(["-m", "pip", "--python"])
        .arg(venv.join("bin/python"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(packages)
        .status()
        .expect("pip");
    assert!(status.success(), "pip install {packages:?}");
}

fn project(index_url: &str) -> Fixture {
    let f = Fixture::with_fake_generator();
    let toml = f.read("jaunt.toml");
    f.write(
        "jaunt.toml",
        &format!("{toml}\n[skills]\nindex_url = \"{index_url}\"\nmax_concurrency = 4\n"),
    );
    let spec = |imports: &str, name: &str| {
        format!(
            "import jaunt\n{imports}\n\n\n@jaunt.magic\ndef {name}(x):\n    \"\"\"Do {name}.\"\"\"\n"
        )
    };
    f.write("src/app/__init__.py", "")
        .write("src/app/util.py", "X = 1\n")
        .write(
            "src/app/dates.py",
            &spec(
                "import json\nfrom dateutil import parser\nfrom . import util",
                "parse",
            ),
        )
        .write(
            "src/app/report.py",
            &spec(
                "import dateutil.tz\nimport six\nfrom app import util",
                "report",
            ),
        )
        .write(
            "src/app/compat.py",
            &spec("from six.moves import range", "compat"),
        )
        .write(
            "src/app/records.py",
            &spec("import attr\nimport os.path", "record"),
        )
        .write(
            "src/app/plain.py",
            &spec(
                "import re\nfrom decimal import Decimal\nimport app.util\nimport notinstalled",
                "plain",
            ),
        );
    f.write(
        ".agents/skills/six/SKILL.md",
        "# My notes on six\n\nUse six.moves.\n",
    );
    let venv = f.path(".venv");
    let status = Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .expect("venv");
    assert!(status.success());
    pip_install(
        &venv,
        &["six==1.16.0", "python-dateutil==2.8.2", "attrs==23.2.0"],
    );
    f
}

fn apply(f: &Fixture) -> (Value, String) {
    let (code, out, err) = f.run(&["apply", "--json"]);
    assert_eq!(code, 0, "apply failed\n{out}\n{err}");
    (serde_json::from_str(&out).expect("json report"), err)
}

/// The `skills` block of each module request the fake generator saw.
fn request_skills(f: &Fixture) -> Vec<(String, String)> {
    f.requests()
        .iter()
        .filter(|r| r["kind"] != "skill")
        .map(|r| {
            let skills = r["skills"].as_str().expect("skills").to_string();
            (
                r["spec_module"].as_str().expect("module").to_string(),
                skills,
            )
        })
        .collect()
}

#[test]
fn skills_follow_imports_versions_and_failures() {
    let failing = Arc::new(Mutex::new(BTreeSet::from([
        "/pypi/attrs/23.2.0/json".to_string()
    ])));
    let (mock, url) = mock_index(failing.clone());
    let f = project(&url);

    // First build: the attrs README fails (a warning), dateutil's skill is
    // written, six keeps the user's SKILL.md, nothing else is fetched.
    let (report, err) = apply(&f);
    assert_eq!(
        report["generated"].as_array().expect("list").len(),
        5,
        "{report}"
    );
    assert!(
        err.contains("warning: no library skill for attrs 23.2.0"),
        "{err}"
    );
    assert!(err.contains("404"), "{err}");
    assert_eq!(
        take_paths(&mock),
        set(&[
            "/pypi/attrs/23.2.0/json",
            "/pypi/python-dateutil/2.8.2/json"
        ])
    );
    assert!(mock.max_in_flight() >= 2, "fetched one at a time");
    let dateutil = f.read(".agents/skills/python-dateutil/SKILL.md");
    assert!(
        dateutil.starts_with("<!-- jaunt:skill=pypi dist=python-dateutil version=2.8.2 -->\n"),
        "{dateutil}"
    );
    assert!(
        dateutil.contains("Fake skill for python-dateutil version 2.8.2"),
        "{dateutil}"
    );
    assert_eq!(
        f.read(".agents/skills/six/SKILL.md"),
        "# My notes on six\n\nUse six.moves.\n"
    );
    assert!(!f.exists(".agents/skills/attrs/SKILL.md"));
    let skill_requests: Vec<Value> = f
        .requests()
        .into_iter()
        .filter(|r| r["kind"] == "skill")
        .collect();
    assert_eq!(skill_requests.len(), 1);
    assert_eq!(
        skill_requests[0]["readme"],
        "README of python-dateutil 2.8.2"
    );
    assert!(
        skill_requests[0]["prompt"]
            .as_str()
            .expect("prompt")
            .contains("README of python-dateutil 2.8.2")
    );

    // Each request carries only the skills of its own module's imports.
    for (module, skills) in request_skills(&f) {
        let has_dateutil = skills.contains("### python-dateutil 2.8.2");
        let has_six = skills.contains("### six 1.16.0") && skills.contains("My notes on six");
        let (want_dateutil, want_six) = match module.as_str() {
            "app.dates" => (true, false),
            "app.report" => (true, true),
            "app.compat" => (false, true),
            _ => (false, false),
        };
        assert_eq!(
            (has_dateutil, has_six),
            (want_dateutil, want_six),
            "{module}: {skills}"
        );
        assert!(!skills.contains("jaunt:skill"), "{module}: header shown");
    }

    let listed = serde_json::from_str::<Value>(&f.ok(&["skills", "--json"])).expect("json");
    let rows = listed["skills"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{listed}");
    assert_eq!(rows[0]["dist"], "python-dateutil");
    assert_eq!(rows[0]["imports"], serde_json::json!(["dateutil"]));
    assert_eq!(rows[0]["origin"], "jaunt");
    assert_eq!(rows[0]["path"], ".agents/skills/python-dateutil/SKILL.md");
    assert_eq!(
        rows[0]["modules"],
        serde_json::json!(["app.dates", "app.report"])
    );
    assert_eq!(rows[1]["dist"], "six");
    assert_eq!(rows[1]["origin"], "user");
    assert_eq!(
        rows[1]["modules"],
        serde_json::json!(["app.compat", "app.report"])
    );
    let lock = f.read("jaunt.lock");
    assert!(
        lock.contains("[[skill]]\ndist = \"python-dateutil\"\nversion = \"2.8.2\""),
        "{lock}"
    );
    assert!(
        lock.contains("[[skill]]\ndist = \"six\"\nversion = \"1.16.0\""),
        "{lock}"
    );
    assert!(f.exists(".jaunt/cache/python-env-v1.json"));

    // The attrs README comes back: its skill is written and only the
    // module importing attrs is regenerated.
    failing.lock().expect("lock").clear();
    f.clear_log();
    let (report, _) = apply(&f);
    assert_eq!(
        names(&report["generated"]),
        set(&["app.records"]),
        "{report}"
    );
    assert_eq!(
        report["model_calls"], 2,
        "the skill and the module: {report}"
    );
    assert_eq!(take_paths(&mock), set(&["/pypi/attrs/23.2.0/json"]));
    assert!(
        f.read(".agents/skills/attrs/SKILL.md")
            .contains("version=23.2.0")
    );
    let (_, skills) = &request_skills(&f)[0];
    assert!(skills.contains("### attrs 23.2.0"), "{skills}");

    // Nothing changed: nothing fetched, nothing generated.
    f.clear_log();
    let (report, _) = apply(&f);
    assert_eq!(report["generated"], serde_json::json!([]), "{report}");
    assert!(take_paths(&mock).is_empty());
    assert!(f.requests().is_empty());

    // A version bump regenerates that skill and exactly its users.
    pip_install(&f.path(".venv"), &["python-dateutil==2.9.0.post0"]);
    let (report, _) = apply(&f);
    assert_eq!(
        names(&report["generated"]),
        set(&["app.dates", "app.report"]),
        "{report}"
    );
    assert_eq!(
        take_paths(&mock),
        set(&["/pypi/python-dateutil/2.9.0.post0/json"])
    );
    assert!(
        f.read(".agents/skills/python-dateutil/SKILL.md")
            .starts_with("<!-- jaunt:skill=pypi dist=python-dateutil version=2.9.0.post0 -->")
    );
    assert!(f.read("jaunt.lock").contains("version = \"2.9.0.post0\""));
    assert_eq!(
        f.read(".agents/skills/six/SKILL.md"),
        "# My notes on six\n\nUse six.moves.\n"
    );

    // Editing the user's skill shows in the plan of exactly its users.
    f.write(
        ".agents/skills/six/SKILL.md",
        "# My notes on six\n\nAvoid six.\n",
    );
    let plan = f.json(&["plan", "--json"]);
    let changed: BTreeSet<String> = plan["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .filter(|m| m["status"] != "fresh")
        .map(|m| {
            assert!(
                m["reasons"].to_string().contains("skill changed: six"),
                "{m}"
            );
            m["name"].as_str().expect("name").to_string()
        })
        .collect();
    assert_eq!(changed, set(&["app.compat", "app.report"]), "{plan}");
}
