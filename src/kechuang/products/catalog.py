"""The product catalogue: effective-dated products loaded from YAML.

Products live in ``kechuang/products/data/*_products.yaml`` (``credit_products.yaml`` ships the
Shanghai credit products and the 沪科专贷 / 沪科专贴 programmes). Each file holds::

    products:
      - key: sh_performance_loan
        kind: credit
        ...

See :mod:`kechuang.products.schemas` for the fields, value syntax and the meaning of ``status``.

Look-ups (all dates are "as of" dates):

* :func:`products` — products **open** on a date, optionally of one kind;
* :func:`get` — one product by key (optionally requiring it to be open on a date);
* :func:`all_products` — every product, whatever its dates.

A product is *scheduled* before its ``valid_from`` and *closed* after its ``valid_to``, so opening
or closing one is an edit of the YAML that takes effect on the stated day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pydantic
import yaml

from kechuang.core.errors import Issue, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.periods import today
from kechuang.products.schemas import Product, ProductKind

__all__ = [
    "BENEFIT_FILTERS",
    "Catalog",
    "all_products",
    "default_catalog",
    "filter_products",
    "get",
    "load_catalog",
    "parse_catalog",
    "products",
    "risk_sharing_keys",
]

PRODUCT_FILES = "*_products.yaml"
"""Glob of the catalogue files in ``products/data`` (other YAML there, e.g. risk sharing, is not
products)."""


def _kind(kind: ProductKind | str | None) -> ProductKind | None:
    if kind is None or isinstance(kind, ProductKind):
        return kind
    parsed = ProductKind.parse(kind)
    if parsed is None:
        choices = ", ".join(k.value for k in ProductKind)
        raise ValidationError(
            Msg(
                f"未知的产品类别：{kind}（可选：{choices}）",
                f"unknown product kind: {kind} (use {choices})",
            ),
            code="product.kind",
        )
    return parsed


@dataclass(frozen=True, slots=True)
class Catalog:
    """Products by key, with effective-dated look-ups."""

    items: Mapping[str, Product]

    def all(self, *, kind: ProductKind | str | None = None) -> list[Product]:
        """Every product (of ``kind`` if given), in file order, whatever its dates."""
        want = _kind(kind)
        return [p for p in self.items.values() if want is None or p.kind is want]

    def products(
        self, *, as_of: dt.date | None = None, kind: ProductKind | str | None = None
    ) -> list[Product]:
        """Products open on ``as_of`` (default today, China time), of ``kind`` if given."""
        day = as_of or today()
        return [p for p in self.all(kind=kind) if p.is_open(day)]

    def get(self, key: str, as_of: dt.date | None = None) -> Product:
        """The product ``key``; with ``as_of``, it must be open on that day.

        Raises:
            NotFound: ``product.not_found`` for an unknown key; ``product.not_open`` when
                ``as_of`` is given and the product is scheduled or closed on it.
        """
        product = self.items.get(key)
        if product is None:
            raise NotFound(
                Msg(
                    f"未知产品：{key}（可选：{', '.join(self.items)}）",
                    f"unknown product: {key} (choose: {', '.join(self.items)})",
                ),
                code="product.not_found",
            )
        if as_of is not None and not product.is_open(as_of):
            if product.state(as_of) == "scheduled":
                msg = Msg(
                    f"产品 {key} 在 {as_of} 尚未开办（{product.valid_from} 起）",
                    f"product {key} is not open on {as_of} (opens {product.valid_from})",
                )
            else:
                msg = Msg(
                    f"产品 {key} 在 {as_of} 已停办（{product.valid_to} 止）",
                    f"product {key} is closed on {as_of} (closed after {product.valid_to})",
                )
            raise NotFound(msg, code="product.not_open")
        return product

    def risk_sharing_keys(self) -> set[str]:
        """Every risk-sharing agreement key the products refer to (to check against
        ``risk_sharing.yaml``)."""
        keys: set[str] = set()
        for p in self.items.values():
            keys |= p.risk_sharing_keys()
        return keys


def _loc(loc: Iterable[int | str]) -> str:
    """``("terms", 1, "max_amount", "value")`` → ``terms[1].max_amount.value``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _read(text: str, source: str) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        msg = Msg(f"{source} 不是有效的 YAML：{exc}", f"{source} is not valid YAML: {exc}")
        raise ValidationError(
            msg, code="product.invalid", issues=[Issue(rule="yaml", file=source, message=msg)]
        ) from exc
    unknown = (
        [k for k in data if k != "products" and not str(k).startswith("_")]
        if isinstance(data, dict)
        else []
    )
    if not isinstance(data, dict) or not isinstance(data.get("products"), list) or unknown:
        # keys starting with "_" only hold YAML anchors
        msg = Msg(
            f"{source} 应包含 products 列表（其他顶层键须以 _ 开头）",
            f"{source} must hold a `products` list (other top-level keys must start with _)",
        )
        raise ValidationError(
            msg, code="product.invalid", issues=[Issue(rule="yaml", file=source, message=msg)]
        )
    return data


def parse_catalog(text: str, *, source: str = "<text>") -> Catalog:
    """A catalogue from YAML text (a ``products:`` list).

    Raises:
        ValidationError: ``product.invalid`` listing every problem with its place in the file.
    """
    return _build([(source, _read(text, source))])


def _build(files: Iterable[tuple[str, Mapping[str, Any]]]) -> Catalog:
    items: dict[str, Product] = {}
    issues: list[Issue] = []
    for source, data in files:
        for entry in data.get("products") or []:
            try:
                product = Product.model_validate(entry)
            except pydantic.ValidationError as exc:
                for err in exc.errors():
                    where = _loc(err["loc"])
                    key = entry.get("key", "?") if isinstance(entry, dict) else "?"
                    text = f"{key}.{where}" if where else str(key)
                    issues.append(
                        Issue(
                            rule=f"product.{err['type']}",
                            file=source,
                            column=text,
                            value=str(err.get("input"))[:80],
                            message=Msg(f"{text}：{err['msg']}", f"{text}: {err['msg']}"),
                        )
                    )
                continue
            if product.key in items:
                issues.append(
                    Issue(
                        rule="product.duplicate_key",
                        file=source,
                        column=product.key,
                        message=Msg(
                            f"产品代码重复：{product.key}", f"duplicate product key: {product.key}"
                        ),
                    )
                )
                continue
            items[product.key] = product
    if issues:
        raise ValidationError(
            Msg(
                f"产品目录有 {len(issues)} 处错误",
                f"the product catalogue has {len(issues)} error(s)",
            ),
            code="product.invalid",
            issues=issues,
        )
    return Catalog(items)


def load_catalog(paths: Iterable[Path]) -> Catalog:
    """A catalogue from YAML files (keys must be unique across them).

    Raises:
        ValidationError: ``product.invalid`` listing every problem found.
    """
    return _build([(p.name, _read(p.read_text(encoding="utf-8"), p.name)) for p in paths])


@cache
def shipped_catalog() -> Catalog:
    """The catalogue shipped with kechuang (``kechuang/products/data/*_products.yaml``)."""
    root = Path(str(resources.files("kechuang.products").joinpath("data")))
    return load_catalog(sorted(root.glob(PRODUCT_FILES)))


def local_dir() -> Path:
    """Where imported product files live: ``$KECHUANG_PRODUCTS_DIR`` or ``$KECHUANG_HOME/products``."""
    import os

    from kechuang.storage.db import kechuang_home

    custom = os.environ.get("KECHUANG_PRODUCTS_DIR")
    return Path(custom).expanduser() if custom else kechuang_home() / "products"


@cache
def _merged(directory: str, stamp: tuple[tuple[str, int], ...]) -> Catalog:
    local = load_catalog(sorted(Path(directory).glob(PRODUCT_FILES))) if stamp else Catalog({})
    return Catalog({**shipped_catalog().items, **local.items})


def default_catalog() -> Catalog:
    """The shipped catalogue plus imported product files (``kechuang products import``).

    An imported product with the key of a shipped one replaces it — that is how a programme office
    puts its real terms in place of the illustrative ones.
    """
    directory = local_dir()
    files = sorted(directory.glob(PRODUCT_FILES)) if directory.is_dir() else []
    stamp = tuple((f.name, f.stat().st_mtime_ns) for f in files)
    return _merged(str(directory), stamp)


@dataclass(frozen=True, slots=True)
class ProductImport:
    """What ``kechuang products import`` did with one file."""

    file: str
    target: Path
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    unchanged: bool
    dry_run: bool

    def summary(self) -> Msg:
        """One-line bilingual summary."""
        if self.unchanged:
            return Msg(
                f"{self.file}：与已导入的文件一致，未做任何更改",
                f"{self.file}: identical to the imported file; nothing changed",
            )
        prefix = Msg("（试运行，未保存）", "(dry run, not saved) ") if self.dry_run else Msg("", "")
        return Msg(
            f"{prefix.zh}{self.file}：新增产品 {len(self.added)} 个，替换内置产品 {len(self.replaced)} 个（{', '.join(self.replaced) or '无'}）",
            f"{prefix.en}{self.file}: {len(self.added)} product(s) added, {len(self.replaced)} shipped product(s) replaced ({', '.join(self.replaced) or 'none'})",
        )


def import_products(path: Path, *, dry_run: bool = False) -> ProductImport:
    """Validate a product YAML file and install it in :func:`local_dir` — all or nothing.

    The file is checked on its own and together with every product already in force (keys must be
    unique among imported files). Re-importing the same file changes nothing.

    Raises:
        ValidationError: ``product.invalid`` with every problem, file and place; nothing is written.
    """
    text = path.read_text(encoding="utf-8-sig")
    incoming = parse_catalog(text, source=path.name)
    stem = path.name.removesuffix(".yaml").removesuffix(".yml").removesuffix("_products")
    target = local_dir() / f"{stem}_products.yaml"
    others = (
        [f for f in sorted(local_dir().glob(PRODUCT_FILES)) if f != target]
        if local_dir().is_dir()
        else []
    )
    # Keys must stay unique among imported files (shipped ones may be replaced).
    existing = load_catalog(others) if others else Catalog({})
    clash = sorted(set(existing.items) & set(incoming.items))
    if clash:
        msg = Msg(
            f"产品代码已在其他导入文件中：{', '.join(clash)}",
            f"product keys already imported from another file: {', '.join(clash)}",
        )
        raise ValidationError(
            msg,
            code="product.invalid",
            issues=[
                Issue(rule="product.duplicate_key", file=path.name, column=k, message=msg)
                for k in clash
            ],
        )
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return ProductImport(path.name, target, (), (), True, dry_run)
    shipped = shipped_catalog().items
    added = tuple(sorted(k for k in incoming.items if k not in shipped))
    replaced = tuple(sorted(k for k in incoming.items if k in shipped))
    if not dry_run:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    return ProductImport(path.name, target, added, replaced, False, dry_run)


def products(
    *, as_of: dt.date | None = None, kind: ProductKind | str | None = None
) -> list[Product]:
    """Shipped products open on ``as_of`` (default today, China time), of ``kind`` if given."""
    return default_catalog().products(as_of=as_of, kind=kind)


def get(key: str, as_of: dt.date | None = None) -> Product:
    """The shipped product ``key``; with ``as_of`` it must be open on that day (see
    :meth:`Catalog.get`)."""
    return default_catalog().get(key, as_of)


def all_products(*, kind: ProductKind | str | None = None) -> list[Product]:
    """Every shipped product, whatever its dates."""
    return default_catalog().all(kind=kind)


def risk_sharing_keys() -> set[str]:
    """Risk-sharing agreement keys the shipped products refer to."""
    return default_catalog().risk_sharing_keys()


BENEFIT_FILTERS: tuple[str, ...] = (
    "interest_subsidy",
    "premium_subsidy",
    "guarantee_fee_subsidy",
    "refinancing",
    "amount",
)
"""``--benefit`` values: a kind of subsidy, central-bank refinancing, or a stated amount limit."""


def filter_products(
    items: Iterable[Product],
    *,
    as_of: dt.date,
    provider: str | None = None,
    district: str | None = None,
    benefit: str | None = None,
    min_amount: Decimal | None = None,
) -> list[Product]:
    """Products (terms in force on ``as_of``) matching every filter given.

    Args:
        items: the products to filter.
        as_of: picks the terms version.
        provider: a bank, insurer or payer whose name contains this text.
        district: a district code: products open to enterprises there (no district limit, or it
            is listed).
        benefit: one of :data:`BENEFIT_FILTERS`.
        min_amount: the product's ``max_amount`` is at least this (元).

    Raises:
        ValidationError: unknown ``benefit``.
    """
    if benefit is not None and benefit not in BENEFIT_FILTERS:
        raise ValidationError(
            Msg(
                f"未知的权益类别：{benefit}（可选：{', '.join(BENEFIT_FILTERS)}）",
                f"unknown benefit: {benefit} (use {', '.join(BENEFIT_FILTERS)})",
            ),
            code="product.benefit",
        )
    out: list[Product] = []
    for product in items:
        terms = product.terms_at(as_of) or product.terms[-1]
        if provider:
            names = list(terms.providers.value) if terms.providers else []
            names += [r.payer for r in terms.subsidies if r.payer]
            if terms.security is not None:
                names += terms.security.value.providers
            if not any(provider in n for n in names):
                continue
        limited = terms.eligibility.districts
        if district and limited is not None and district not in limited.value:
            continue
        if benefit in ("interest_subsidy", "premium_subsidy", "guarantee_fee_subsidy"):
            if not any(r.kind.value == benefit for r in terms.subsidies):
                continue
        elif (benefit == "refinancing" and terms.refinance_rate is None) or (
            benefit == "amount" and terms.max_amount is None
        ):
            continue
        if min_amount is not None and (
            terms.max_amount is None or terms.max_amount.value < min_amount
        ):
            continue
        out.append(product)
    return out
