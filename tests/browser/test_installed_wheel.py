"""The wheel is the product: built from this checkout, installed into a fresh virtual
environment outside it, `ttq-harness demo`, `demo --out` + `serve --dir` + `run`, and a
user's own pytest file with the `demo_site` fixture all work there.

The fresh environment gets the wheel alone (`--no-deps`); its dependencies come from this
environment's site-packages through a `.pth` line, which adds that folder but runs none of its
own `.pth` files, so the checkout's editable install stays out (the test checks which
`harness` the new environment imports).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def _source_copy(into: Path) -> Path:
    """What a wheel is built from, copied, so the build leaves nothing in the checkout."""
    source = into / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "sites", source / "sites")
    shutil.copytree(
        ROOT / "harness",
        source / "harness",
        symlinks=True,  # harness/demo_sites -> ../sites, as git keeps it
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return source


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(work / "dist"),
            str(_source_copy(work)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next((work / "dist").glob("ttq_harness-*.whl"))
    env = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    site = next(env.glob("lib/python*/site-packages"))
    (site / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(env / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return env


def _run(env: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(env / "bin" / args[0]), *args[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "CI": "true"},
    )


def test_the_installed_package_is_the_wheel_not_the_checkout(venv: Path, tmp_path: Path) -> None:
    where = _run(venv, "python", "-c", "import harness; print(harness.__file__)", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(venv)), where.stdout


def test_demo_runs_from_the_installed_wheel(venv: Path, tmp_path: Path) -> None:
    demo = _run(venv, "ttq-harness", "demo", "--no-broken", cwd=tmp_path)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr
    assert "plan holds" in demo.stdout
    assert "ttq-harness demo --out" in demo.stdout  # the next step works without a checkout


def test_a_copy_of_the_demo_is_served_and_run_from_anywhere(venv: Path, tmp_path: Path) -> None:
    copied = _run(venv, "ttq-harness", "demo", "--out", "my-demo", cwd=tmp_path)
    assert copied.returncode == 0, copied.stderr
    plan = tmp_path / "my-demo" / "demo-plan.yaml"
    assert plan.is_file() and (tmp_path / "my-demo" / "shop" / "product.html").is_file()
    again = _run(venv, "ttq-harness", "demo", "--out", "my-demo", cwd=tmp_path)
    assert again.returncode == 2 and "not an empty folder" in again.stderr  # nothing overwritten
    server = subprocess.Popen(
        [str(venv / "bin" / "ttq-harness"), "serve", "--dir", "my-demo", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "CI": "true"},
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert str(tmp_path / "my-demo") in line, line
        shop = line.split("(shop: ")[1].split(",")[0]
        ran = _run(venv, "ttq-harness", "run", str(plan), "--base-url", shop, "--journey",
                   "search", cwd=tmp_path)  # fmt: skip
        assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr
        assert "plan holds" in ran.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_users_pytest_file_gets_the_fixtures_and_the_demo_site(
    venv: Path, tmp_path: Path
) -> None:
    (tmp_path / "test_my_tracking.py").write_text(
        "def test_product_page(page, demo_site, expect_event):\n"
        "    page.goto(demo_site + '/shop/product.html?id=301')\n"
        "    expect_event('ViewContent', pixel='CDEMO00SHOP00PIXEL01')\n",
        encoding="utf-8",
    )
    ran = _run(venv, "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr
    assert "1 passed" in ran.stdout
