#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine: installs what the tests
# need (Python packages, nginx, s3s-fs), then lints and tests the Rust crate and the
# Python runtime. README.md documents this command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> installing test dependencies"
# nginx (with its WebDAV module) serves the remote store in tests/it/remote_store.rs.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nginx-light
fi
# The Python tools and the runtime go into the suite's own virtual
# environment, never into the machine's Python; its bin/ comes first on PATH
# so the tests' `python3`, `ruff`, `black`, `mypy` and `pytest` are these.
venv="$PWD/target/test-venv"
if [ ! -x "$venv/bin/python3" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python3" -m pip install --quiet --disable-pip-version-check \
  pytest ruff black mypy "./python"
# s3s-fs, an S3-compatible server from crates.io that checks signatures and
# keeps buckets as directories, serves the S3 remote store in
# tests/it/s3_store.rs. 0.14 is the newest that builds on Rust 1.95; an
# unoptimised build is quicker and fast enough for the tests.
tools="$PWD/target/test-tools"
if ! command -v s3s-fs >/dev/null 2>&1 && [ ! -x "$tools/bin/s3s-fs" ]; then
  cargo install --locked --quiet --debug --root "$tools" --features binary s3s-fs@0.14.1
fi
export PATH="$venv/bin:$tools/bin:$PATH"

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

echo "==> cargo test"
cargo test --locked -- --test-threads=2

echo "==> pytest (runtime)"
python3 -m pytest python/tests -q
