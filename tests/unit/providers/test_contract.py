"""The provider contract: each provider implements every capability it declares, the registry
refuses one that does not, and nothing above the provider layer probes a provider."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from storefront.exceptions import CapabilityMissing
from storefront.models import ProviderAccount
from storefront.providers import registry
from storefront.providers.base import Role, conformance_problems, require
from storefront.providers.fynd.provider import FyndProvider
from storefront.providers.local.provider import LocalProvider
from storefront.providers.types import Capability, ShopPolicy

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("storefront", "carts", "vouchers")


def fynd_account() -> ProviderAccount:
    account = ProviderAccount(kind="fynd", name="contract", base_url="https://fynd.example", pk=99)
    account.set_credentials({"application_id": "app", "application_token": "tok"})
    return account


def test_local_and_fynd_implement_everything_they_declare():
    assert conformance_problems(LocalProvider(None)) == []
    assert conformance_problems(FyndProvider(fynd_account())) == []


class HalfProvider:
    """Declares coupons but has no coupon methods."""

    kind = "half"
    account = None
    policy = ShopPolicy()
    capabilities = frozenset({Capability.COUPONS})

    def ping(self) -> str:
        return "half"


def test_a_provider_missing_a_declared_capability_is_refused(monkeypatch, db):
    class Broken(LocalProvider):
        apply_coupon = None  # declared COUPONS, but cannot apply one

    assert any("CouponProvider" in p for p in conformance_problems(Broken(None)))
    half = conformance_problems(HalfProvider())
    assert any("the shop role needs" in p for p in half)
    assert any("CouponProvider" in p for p in half)
    monkeypatch.setitem(registry.PROVIDER_CLASSES, ("local", Role.SHOP), f"{__name__}.BrokenLocal")
    globals()["BrokenLocal"] = Broken
    with pytest.raises(registry.ProviderNotConforming, match="CouponProvider"):
        registry.build(None)


def test_require_answers_with_the_provider_or_capability_missing():
    fynd = FyndProvider(fynd_account())

    assert require(fynd, Capability.COUPONS) is fynd
    with pytest.raises(CapabilityMissing):
        require(fynd, Capability.GIFT_CARDS)


def _python_files():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _import_graph() -> dict[str, set[str]]:
    """Every project module → the project modules it imports, at any depth in the file (function
    level imports included): an import circle hidden inside a function is still a circle."""
    modules = {_module_name(p): p for p in _python_files()}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def test_no_import_circles():
    graph = _import_graph()
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            # a package importing its own submodules (the package __init__ re-exporting) is not
            # a circle unless the submodule imports the package back
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


PROBE = re.compile(r"\b(hasattr|getattr)\(\s*(provider|shop|cs\.provider|request\.shop|self\.provider)\b")


def test_nothing_above_the_provider_layer_probes_a_provider():
    offenders = [
        f"{path.relative_to(ROOT)}:{i}"
        for path in _python_files()
        if "providers" not in path.parts
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if PROBE.search(line) or "get_shop_provider()" in line and path.name not in ("middleware.py",)
    ]
    fallback = _line_of(ROOT / "carts/session.py", "get_shop_provider()")
    assert offenders == [f"carts/session.py:{fallback}"]  # a CartSession made outside a request


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_templates_ask_for_capabilities_never_for_a_provider_kind():
    texts = [p.read_text() for p in (ROOT / "templates").rglob("*.html")]
    assert not any("shop_kind" in t or ".kind ==" in t for t in texts)


def test_no_provider_class_is_over_600_lines_and_no_function_over_120():
    too_big = []
    for path in (ROOT / "storefront/providers").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            size = getattr(node, "end_lineno", 0) - getattr(node, "lineno", 0)
            if (isinstance(node, ast.ClassDef) and size > 600) or (
                isinstance(node, ast.FunctionDef) and size > 120
            ):
                too_big.append(f"{path.name}:{node.name} ({size})")
    assert too_big == []
