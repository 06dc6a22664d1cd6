//! `jaunt completions` and `jaunt man`: bash loads the completion script
//! and completes with it; the other shells' scripts name every command;
//! groff renders the manual pages without a warning.

use crate::common::Fixture;
use std::process::Command;

/// Every visible subcommand, from `jaunt --help`.
fn subcommands(f: &Fixture) -> Vec<String> {
    let help = f.ok(&["--help"]);
    let commands = help
        .split("Commands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("jaunt --help lists its commands");
    let names: Vec<String> = commands
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(names.len() > 15, "{names:?}");
    names
}

/// What bash completes after `words`, with the script loaded as a user's
/// `.bashrc` would load it.
fn bash_completes(script: &str, words: &[&str]) -> Vec<String> {
    let words_shown = words.join(" ");
    let program = format!(
        "source /dev/stdin <<'JAUNT_EOF'\n{script}\nJAUNT_EOF\n\
         COMP_WORDS=({words_shown}); COMP_CWORD={}; \
         _jaunt jaunt {:?} {:?}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_commands_and_their_flags() {
    let f = Fixture::new();
    let script = f.ok(&["completions", "bash"]);
    assert_eq!(bash_completes(&script, &["jaunt", "wa"]), ["watch"]);
    assert_eq!(bash_completes(&script, &["jaunt", "doc"]), ["doctor"]);
    let flags = bash_completes(&script, &["jaunt", "watch", "--pl"]);
    assert_eq!(flags, ["--plan-only"]);
    let shells = bash_completes(&script, &["jaunt", "completions", ""]);
    for shell in ["bash", "zsh", "fish"] {
        assert!(shells.iter().any(|s| s == shell), "{shells:?}");
    }
    assert!(!shells.iter().any(|s| s == "powershell"), "{shells:?}");
    let all = bash_completes(&script, &["jaunt", ""]);
    for name in subcommands(&f) {
        assert!(all.contains(&name), "{name} is completed: {all:?}");
    }
}

#[test]
fn zsh_and_fish_scripts_cover_every_command() {
    let f = Fixture::new();
    let names = subcommands(&f);
    let zsh = f.ok(&["completions", "zsh"]);
    assert!(
        zsh.starts_with("#compdef jaunt\n"),
        "zsh finds it by this line"
    );
    let fish = f.ok(&["completions", "fish"]);
    for name in &names {
        assert!(zsh.contains(&format!("'{name}:")), "zsh completes {name}");
        assert!(
            fish.contains(&format!("-a \"{name}\"")),
            "fish completes {name}"
        );
    }
    let (code, _, err) = f.run(&["completions", "powershell"]);
    assert_eq!(code, 2, "an unsupported shell is a usage error: {err}");
    assert!(err.contains("bash, zsh, fish"), "{err}");
}

/// `page` rendered by groff as `man` would (plain text, without
/// overstriking), failing on any warning.
fn groff(page: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("groff (Debian: groff-base) renders manual pages");
    child.stdin.take().unwrap().write_all(page).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "groff warns: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_manual_page_renders_and_lists_every_command() {
    let f = Fixture::new();
    let page = f.ok(&["man"]);
    assert!(page.contains(".TH jaunt 1"), "{page}");
    let text = groff(page.as_bytes());
    assert!(
        text.contains("jaunt - Build system for spec-driven Python code generation"),
        "{text}"
    );
    for name in subcommands(&f) {
        assert!(
            text.contains(&format!("jaunt-{name}(1)")),
            "{name} is listed: {text}"
        );
    }
}

#[test]
fn man_dir_writes_one_page_per_command() {
    let f = Fixture::new();
    let out = f.ok(&["man", "--dir", "man1"]);
    let mut pages: Vec<String> = std::fs::read_dir(f.path("man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(out.lines().count(), pages.len(), "{out}");
    assert!(pages.contains(&"jaunt.1".to_owned()));
    for name in subcommands(&f) {
        assert!(pages.contains(&format!("jaunt-{name}.1")), "{pages:?}");
    }
    for nested in [
        "jaunt-store-gc.1",
        "jaunt-lock-diff.1",
        "jaunt-cache-clear.1",
    ] {
        assert!(pages.contains(&nested.to_owned()), "{pages:?}");
    }
    let watch = groff(&std::fs::read(f.path("man1/jaunt-watch.1")).unwrap());
    assert!(
        watch.contains("--plan-only") && watch.contains("--test"),
        "{watch}"
    );
}
