"""The chapter through a real release: shipped programme entries and external statistics loaded
through the policy import path, a release frozen by ``kechuang.indicators.releases``, the report
rendered from it by the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.indicators.releases import create_release
from kechuang.policy.imports import load_shipped
from kechuang.storage.db import unit_of_work


@pytest.mark.slow
def test_report_from_a_real_release(sqlite_url: str, tmp_path: Path) -> None:
    with unit_of_work(sqlite_url) as s:
        load_shipped(session=s, actor="test")
    root = tmp_path / "releases"
    manifest = create_release(url=sqlite_url, year=2023, root=root, synthetic=True)
    runner = CliRunner()
    out = tmp_path / "chapter.md"
    result = runner.invoke(
        app,
        ["report", "--release", manifest.release_id, "--root", str(root), "-f", "md",
         "--lang", "zh", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert f"- 发布编号：{manifest.release_id}" in text
    assert "本报告中的数据为合成（虚构）的演示数据" in text
    # external statistics frozen in the release feed the GII sentence and the appendix
    assert "上海-苏州集群位列全球科技集群第5位，较上年上升1位。" in text
    assert "| `resident_population` | 2023 | 年末常住人口 | 24874500 |" in text
    # programme entries frozen in the release, in the seed's order
    assert "- **加快推进科创金融改革试验区建设**，制定出台" in text
    assert "- **上海在第24届中国专利奖评选中获四金三银**" in text
    # an empty database gives zero figures, printed as the definitions say
    assert "科技型企业贷款存量户数 0.00 万户" in text
    missing = runner.invoke(app, ["report", "--release", "1999-r1", "--root", str(root)])
    assert missing.exit_code == 1
