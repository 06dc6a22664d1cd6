//! What apply needs to write is checked before a model call is paid for,
//! and a write that fails anyway (a full disk) fails its module with a
//! reason, exit 3, and no partial file.

use crate::common::{Fixture, files_under};
use std::os::unix::process::CommandExt;

#[test]
fn a_directory_at_an_output_path_is_found_before_any_model_call() {
    let f = Fixture::with_fake_generator();
    f.add_one_module();
    std::fs::create_dir_all(f.path("src/pkg/__generated__/m.py")).unwrap();
    let (code, _, err) = f.run(&["apply"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("pkg.m: cannot write"), "{err}");
    assert!(err.contains("a directory is in the way"), "{err}");
    assert!(err.contains("no model call was made"), "{err}");
    assert!(f.requests().is_empty(), "the model was called");
    assert!(!f.exists("jaunt.lock"));
}

#[test]
fn an_unwritable_store_is_found_before_any_model_call() {
    let f = Fixture::with_fake_generator();
    f.add_one_module();
    // A file where the store's directory belongs: no user can write there.
    f.write("not-a-dir", "");
    let (code, _, err) = {
        let out = f
            .jaunt()
            .env("JAUNT_STORE", f.path("not-a-dir/store"))
            .arg("apply")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("the store cannot be written"), "{err}");
    assert!(f.requests().is_empty(), "the model was called");
    assert!(!f.exists("src/pkg/__generated__/m.py"));
}

/// Runs `jaunt apply` with writes limited to `max_file_bytes` per file, a
/// test double for a full disk: a write past the limit fails with EFBIG
/// (the SIGXFSZ that would kill the process is ignored) as one past the
/// disk's end fails with ENOSPC.
fn apply_on_a_small_disk(f: &Fixture, max_file_bytes: u64) -> (i32, String) {
    let mut cmd = f.std_jaunt();
    cmd.env("FAKE_GEN_PAD", "200000").arg("apply");
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: max_file_bytes,
                rlim_max: max_file_bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_full_disk_fails_the_module_with_its_reason_and_leaves_no_partial_file() {
    let f = Fixture::with_fake_generator();
    f.add_one_module();
    let (code, err) = apply_on_a_small_disk(&f, 64 * 1024);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("pkg.m"), "{err}");
    assert!(err.contains("File too large"), "{err}");
    assert!(!f.exists("src/pkg/__generated__/m.py"));
    let leftovers: Vec<_> = files_under(&f.path("src"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".jaunt-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(f.requests().len(), 1);
    // With room again, the answer already paid for is restored from the
    // store: no second model call.
    let out = f.ok(&["apply"]);
    assert!(out.contains("1 restored"), "{out}");
    assert_eq!(f.requests().len(), 1);
    assert!(f.read("src/pkg/__generated__/m.py").len() > 200_000);
}
