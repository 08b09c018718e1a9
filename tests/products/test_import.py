"""`kechuang products import`: validated, all-or-nothing, idempotent; imported terms replace shipped ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.core.errors import ValidationError
from kechuang.products import catalog

runner = CliRunner()


def _cyber() -> dict:
    data = yaml.safe_load(
        (Path(catalog.__file__).parent / "data" / "insurance_products.yaml").read_text(
            encoding="utf-8"
        )
    )
    return next(p for p in data["products"] if p["key"] == "sme_cyber_insurance")


@pytest.fixture(autouse=True)
def products_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "installed"
    monkeypatch.setenv("KECHUANG_PRODUCTS_DIR", str(target))
    return target


def _write(tmp_path: Path, name: str, products: list[dict]) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"products": products}, allow_unicode=True), encoding="utf-8")
    return path


def test_import_adds_a_product_and_reimport_changes_nothing(tmp_path: Path) -> None:
    new = {
        **_cyber(),
        "key": "pudong_cyber_pilot",
        "name_zh": "浦东网络安全保险试点",
        "name_en": "Pudong cyber pilot",
    }
    path = _write(tmp_path, "pudong_products.yaml", [new])
    report = catalog.import_products(path)
    assert (report.added, report.replaced, report.unchanged) == (("pudong_cyber_pilot",), (), False)
    assert catalog.get("pudong_cyber_pilot").name_zh == "浦东网络安全保险试点"
    again = catalog.import_products(path)
    assert again.unchanged
    assert "未做任何更改" in again.summary().zh


def test_imported_terms_replace_the_shipped_illustrative_ones(tmp_path: Path) -> None:
    real = {**_cyber(), "status": "confirmed", "reference": "沪金规〔2026〕示例号"}
    report = catalog.import_products(_write(tmp_path, "city.yaml", [real]))
    assert report.replaced == ("sme_cyber_insurance",)
    assert catalog.get("sme_cyber_insurance").reference == "沪金规〔2026〕示例号"
    assert len(catalog.all_products()) == len(catalog.shipped_catalog().items)


def test_invalid_file_is_rejected_and_nothing_is_installed(
    tmp_path: Path, products_dir: Path
) -> None:
    broken = {**_cyber(), "key": "broken", "kind": "no_such_kind"}
    with pytest.raises(ValidationError) as info:
        catalog.import_products(_write(tmp_path, "broken.yaml", [broken]))
    assert info.value.issues and info.value.issues[0].file == "broken.yaml"
    assert not products_dir.exists() or not list(products_dir.iterdir())


def test_keys_must_be_unique_across_imported_files(tmp_path: Path) -> None:
    one = {**_cyber(), "key": "dup_key"}
    catalog.import_products(_write(tmp_path, "a.yaml", [one]))
    with pytest.raises(ValidationError, match="dup_key"):
        catalog.import_products(_write(tmp_path, "b.yaml", [one]))


def test_cli_dry_run_then_import(tmp_path: Path, products_dir: Path) -> None:
    path = _write(tmp_path, "x.yaml", [{**_cyber(), "key": "x_cyber"}])
    dry = runner.invoke(app, ["products", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert not products_dir.exists()
    real = runner.invoke(app, ["products", "import", str(path)])
    assert real.exit_code == 0, real.output
    assert (products_dir / "x_products.yaml").exists()
    bad = _write(tmp_path, "bad.yaml", [{"key": "nope"}])
    assert runner.invoke(app, ["products", "import", str(bad)]).exit_code == 1
