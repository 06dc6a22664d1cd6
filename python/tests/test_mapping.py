"""Module mapping and the generated-directory lookup (docs/architecture.md, Vocabulary)."""

from __future__ import annotations

import pytest
from conftest import Project

import jaunt
from jaunt import _config
from jaunt._mapping import generated_module_name

SPEC = '''
import jaunt

@jaunt.magic
def where() -> str:
    """Which generated module answered."""
'''


# A generated module whose answer names the module that holds it.
GENERATED = "def where():\n    return __name__\n"


@pytest.mark.parametrize(
    ("spec_module", "is_package", "expected"),
    [
        ("pkg.mod", False, "pkg.gen.mod"),
        ("pkg.sub.mod", False, "pkg.sub.gen.mod"),
        ("pkg", True, "pkg.gen"),
        ("pkg.sub", True, "pkg.sub.gen"),
        ("mod", False, "gen.mod"),
    ],
)
def test_mapping_matches_the_build(spec_module: str, is_package: bool, expected: str) -> None:
    assert generated_module_name(spec_module, "gen", is_package) == expected


def test_package_init_specs_map_to_the_generated_package(project: Project) -> None:
    project.write("shop/__init__.py", SPEC)
    project.write("shop/__generated__/__init__.py", GENERATED)
    shop = project.load("shop")

    assert shop.where.__jaunt_spec__.generated_module == "shop.__generated__"
    assert shop.where() == "shop.__generated__"


def test_top_level_single_file_module_maps_under_the_root(project: Project) -> None:
    project.write("solo.py", SPEC)
    project.write("__generated__/solo.py", GENERATED)
    solo = project.load("solo")

    assert solo.where.__jaunt_spec__.generated_module == "__generated__.solo"
    assert solo.where() == "__generated__.solo"


def test_nested_package_module(project: Project) -> None:
    project.write("shop/__init__.py")
    project.write("shop/billing/__init__.py")
    project.write("shop/billing/tax.py", SPEC)
    project.write("shop/billing/__generated__/tax.py", GENERATED)
    assert project.load("shop.billing.tax").where() == "shop.billing.__generated__.tax"


def _project_with_dirs(project: Project, *names: str) -> None:
    """A spec module and one generated copy per candidate directory name."""
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPEC)
    for name in names:
        project.write(f"shop/{name}/calc.py", GENERATED)


ALL_DIRS = ("__generated__", "gen_env", "gen_jaunt_toml", "gen_pyproject")


def test_default_generated_dir(project: Project) -> None:
    _project_with_dirs(project, *ALL_DIRS)
    assert project.load("shop.calc").where() == "shop.__generated__.calc"


def test_env_var_wins_over_config_files(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    _project_with_dirs(project, *ALL_DIRS)
    project.write("jaunt.toml", '[paths]\ngenerated_dir = "gen_jaunt_toml"\n')
    monkeypatch.setenv("JAUNT_GENERATED_DIR", "gen_env")
    assert project.load("shop.calc").where() == "shop.gen_env.calc"


def test_jaunt_toml_paths_table(project: Project) -> None:
    _project_with_dirs(project, *ALL_DIRS)
    project.write("jaunt.toml", '[paths]\ngenerated_dir = "gen_jaunt_toml"\n')
    assert project.load("shop.calc").where() == "shop.gen_jaunt_toml.calc"


def test_pyproject_tool_jaunt_paths_table(project: Project) -> None:
    _project_with_dirs(project, *ALL_DIRS)
    project.write("pyproject.toml", '[project]\nname = "shop"\n\n[tool.jaunt.paths]\ngenerated_dir = "gen_pyproject"\n')
    assert project.load("shop.calc").where() == "shop.gen_pyproject.calc"


def test_pyproject_without_tool_jaunt_is_skipped(project: Project) -> None:
    _project_with_dirs(project, *ALL_DIRS)
    project.write("jaunt.toml", '[paths]\ngenerated_dir = "gen_jaunt_toml"\n')
    project.write("shop/pyproject.toml", "[tool.black]\nline-length = 100\n")
    assert project.load("shop.calc").where() == "shop.gen_jaunt_toml.calc"


def test_nearest_config_wins_and_jaunt_toml_beats_pyproject(project: Project) -> None:
    _project_with_dirs(project, *ALL_DIRS)
    project.write("jaunt.toml", '[paths]\ngenerated_dir = "gen_env"\n')
    project.write("shop/jaunt.toml", '[paths]\ngenerated_dir = "gen_jaunt_toml"\n')
    project.write("shop/pyproject.toml", '[tool.jaunt.paths]\ngenerated_dir = "gen_pyproject"\n')
    assert project.load("shop.calc").where() == "shop.gen_jaunt_toml.calc"


@pytest.mark.parametrize(
    ("file", "text"),
    [("jaunt.toml", '[llm]\nprovider = "openai"\n'), ("pyproject.toml", "[tool.jaunt]\nversion = 1\n")],
)
def test_config_without_generated_dir_uses_the_default(project: Project, file: str, text: str) -> None:
    _project_with_dirs(project, *ALL_DIRS)
    project.write(f"shop/{file}", text)
    project.write("jaunt.toml", '[paths]\ngenerated_dir = "gen_jaunt_toml"\n')  # farther away: unused
    assert project.load("shop.calc").where() == "shop.__generated__.calc"


def test_lookup_is_cached_per_start_directory(project: Project) -> None:
    config = project.write("jaunt.toml", '[paths]\ngenerated_dir = "first"\n')
    start = project.root / "shop"
    start.mkdir()
    assert _config.generated_dir(start) == "first"
    config.write_text('[paths]\ngenerated_dir = "second"\n')
    assert _config.generated_dir(start) == "first"


@pytest.mark.parametrize("bad", ["my-gen", "1gen", "class", "a.b"])
def test_invalid_generated_dir_from_env(project: Project, monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPEC)
    monkeypatch.setenv("JAUNT_GENERATED_DIR", bad)
    with pytest.raises(jaunt.JauntConfigError, match=r"JAUNT_GENERATED_DIR must be a Python identifier"):
        project.load("shop.calc")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[paths]\ngenerated_dir = "not valid"\n',
            r"`paths\.generated_dir` in .*jaunt\.toml must be a Python identifier",
        ),
        ("[paths]\ngenerated_dir = 3\n", r"must be a Python identifier .* got 3"),
        ('paths = "x"\n', r"`paths` must be a table"),
        ("[paths\n", r"jaunt\.toml is not valid TOML"),
    ],
)
def test_invalid_jaunt_toml(project: Project, text: str, message: str) -> None:
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPEC)
    project.write("jaunt.toml", text)
    with pytest.raises(jaunt.JauntConfigError, match=message):
        project.load("shop.calc")


def test_invalid_pyproject_generated_dir(project: Project) -> None:
    project.write("shop/__init__.py")
    project.write("shop/calc.py", SPEC)
    project.write("pyproject.toml", '[tool.jaunt.paths]\ngenerated_dir = "gen-dir"\n')
    with pytest.raises(jaunt.JauntConfigError, match=r"`tool\.jaunt\.paths\.generated_dir` in .*pyproject\.toml"):
        project.load("shop.calc")
