"""auth/ is the identity layer: it imports nothing of addin (DESIGN.md, layers)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import auth

AUTH_DIR = Path(auth.__file__).resolve().parent


def _imported_modules(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), filename=str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args:
            if isinstance(node.args[0], ast.Constant):
                names.add(str(node.args[0].value))
    return names


def test_no_auth_module_source_imports_addin() -> None:
    sources = sorted(AUTH_DIR.rglob("*.py"))
    assert len(sources) >= 4
    offenders = {
        str(path.relative_to(AUTH_DIR)): sorted(n for n in _imported_modules(path) if n.split(".")[0] == "addin")
        for path in sources
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    # Relative imports could climb out of the package; there are none.
    assert not any(n.startswith("..") for path in sources for n in _imported_modules(path))


def test_importing_auth_loads_no_addin_module() -> None:
    modules = ", ".join(f"auth.{p.stem}" for p in sorted(AUTH_DIR.glob("*.py")) if p.stem != "__init__")
    code = f"import sys, auth, {modules}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'addin'))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=AUTH_DIR.parent, check=True
    )
    assert result.stdout.strip() == "[]"
