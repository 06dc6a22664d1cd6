#!/usr/bin/env bash
# Builds the jaunt-build wheel and checks it as a user meets it: installed
# into a fresh virtual environment, where `jaunt` must be the wheel's
# command, `import jaunt` the wheel's runtime, both at Cargo.toml's version,
# and the example project must apply, check and test through that command
# alone (no cargo, no checkout on PATH or PYTHONPATH).
#
# Usage: scripts/check-wheel.sh BUILD_VENV
# BUILD_VENV is a virtual environment to install maturin into (the suite's
# target/test-venv); nothing is installed into the machine's Python.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
build_venv="$1"
target="${CARGO_TARGET_DIR:-$repo/target}"
wheels="$target/wheels"
check="$target/wheel-check"

version="$("$build_venv/bin/python3" -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["package"]["version"])')"

echo "==> building the wheel (maturin, release)"
"$build_venv/bin/python3" -m pip install --quiet --disable-pip-version-check "maturin>=1.5,<2"
rm -rf "$wheels"
"$build_venv/bin/maturin" build --quiet --release --locked --out "$wheels"
shopt -s nullglob
built=("$wheels"/jaunt_build-"$version"-*.whl)
shopt -u nullglob
if [ "${#built[@]}" -ne 1 ]; then
  echo "expected one jaunt_build-$version wheel in $wheels, found: $(ls "$wheels")" >&2
  exit 1
fi
wheel="${built[0]}"

echo "==> installing $(basename "$wheel") into a fresh virtual environment"
rm -rf "$check"
python3 -m venv "$check/venv"
"$check/venv/bin/python3" -m pip install --quiet --disable-pip-version-check "$wheel" pytest

# From here on only the fresh environment: its bin/ first on PATH, the
# repository neither the working directory nor importable.
(
  export PATH="$check/venv/bin:$PATH"
  export VIRTUAL_ENV="$check/venv"
  unset PYTHONPATH JAUNT_STORE JAUNT_REMOTE_STORE
  cd "$check"

  fail() {
    echo "wheel check failed: $*" >&2
    exit 1
  }
  [ "$(command -v jaunt)" = "$check/venv/bin/jaunt" ] ||
    fail "jaunt resolves to $(command -v jaunt), not the wheel's command"
  [ "$(jaunt --version)" = "jaunt $version" ] ||
    fail "jaunt --version says '$(jaunt --version)', expected 'jaunt $version'"
  runtime="$(python -c 'import jaunt; print(jaunt.__version__, jaunt.__file__)')"
  case "$runtime" in
    "$version $check/venv/"*) ;;
    *) fail "import jaunt gives '$runtime', expected version $version from $check/venv" ;;
  esac
  echo "jaunt $version and its runtime are installed"

  echo "==> the example project, through the installed command"
  # A copy without generated files or store, its fake generator (the model's
  # test double) named by absolute path.
  cp -R "$repo/examples/shop" shop
  rm -rf shop/.jaunt shop/.pytest_cache
  find shop -name __generated__ -type d -prune -exec rm -rf {} +
  find shop -name '*.pyi' -delete
  sed -i "s|\"../../tests/support/fake_generator.py\"|\"$repo/tests/support/fake_generator.py\"|" shop/jaunt.toml
  grep -q "$repo/tests/support/fake_generator.py" shop/jaunt.toml ||
    fail "could not point the example's generator at the test double"
  cd shop
  jaunt apply
  jaunt test
  jaunt check
)

echo "==> uv tool install and pipx install of the wheel"
# Each tool installs into its own directories under the check's, never the
# user's ~/.local; the wheel has no dependencies, so no index is asked.
"$build_venv/bin/python3" -m pip install --quiet --disable-pip-version-check uv pipx
(
  tools="$check/tools"
  export UV_TOOL_DIR="$tools/uv" UV_TOOL_BIN_DIR="$tools/uv-bin" \
    UV_CACHE_DIR="$tools/uv-cache" UV_PYTHON_DOWNLOADS=never \
    PIPX_HOME="$tools/pipx" PIPX_BIN_DIR="$tools/pipx-bin" PIPX_MAN_DIR="$tools/pipx-man"
  "$build_venv/bin/uv" tool install --quiet "$wheel"
  "$build_venv/bin/pipx" install --quiet "$wheel"
  for tool in uv pipx; do
    if [ "$tool" = uv ]; then env="$tools/uv/jaunt-build"; else env="$tools/pipx/venvs/jaunt-build"; fi
    got="$("$tools/$tool-bin/jaunt" --version)"
    [ "$got" = "jaunt $version" ] || { echo "$tool's jaunt --version says '$got'" >&2; exit 1; }
    got="$("$env/bin/python" -c 'import jaunt; print(jaunt.__version__)')"
    [ "$got" = "$version" ] || { echo "$tool's runtime is version '$got'" >&2; exit 1; }
    echo "$tool: jaunt $version and its runtime are installed"
  done
)
echo "==> the wheel works"
