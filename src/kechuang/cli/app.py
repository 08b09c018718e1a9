"""The root ``kechuang`` Typer app: Chinese-first help, ``--lang en`` for English."""

from __future__ import annotations

import typer

from kechuang import __version__
from kechuang.cli import audit_log as audit_cli
from kechuang.cli import credit, db, funds, insurance, ip, products, registry, standards, validate
from kechuang.cli import indicators as indicators_cli
from kechuang.cli import policy as policy_cli
from kechuang.cli import release as release_cli
from kechuang.cli.auditing import begin as begin_audit
from kechuang.cli.common import handle_errors, t
from kechuang.cli.imports import import_cmd, template_cmd
from kechuang.cli.match import match_cmd
from kechuang.cli.report import report_cmd
from kechuang.cli.serve import serve_cmd
from kechuang.cli.user import app as user_app
from kechuang.core.i18n import set_lang

app = typer.Typer(
    name="kechuang",
    help=t(
        "科创：城市科创金融与知识产权服务系统（企业库、认定标准、信贷、保险、基金、知识产权、统计发布）。\n\n用 --lang en 显示英文。",
        "kechuang: a city's sci-tech finance and IP service system (registry, standards, credit, insurance, funds, IP, statistics).\n\nUse --lang zh for Chinese.",
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kechuang {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    lang: str = typer.Option(
        "zh",
        "--lang",
        envvar="KECHUANG_LANG",
        help=t("界面语言：zh（默认）或 en", "language: zh (default) or en"),
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help=t("显示版本", "show version")
    ),
) -> None:
    """科创 kechuang."""
    set_lang(lang)
    begin_audit(ctx)  # every write of the command is audited (actor: --by/--actor or OS user)


app.command(
    "import",
    help=t(
        "导入企业、年度数据、资质或机构文件（整文件全部成功才保存）",
        "Import a registry file (all or nothing)",
    ),
)(handle_errors(import_cmd))
app.command("template", help=t("生成 XLSX 导入模板", "Write an XLSX import template"))(
    handle_errors(template_cmd)
)
app.add_typer(validate.app, name="validate")
app.add_typer(db.app, name="db")
app.add_typer(registry.app, name="registry")
app.add_typer(standards.app, name="standards")
app.add_typer(ip.app, name="ip")
app.add_typer(credit.app, name="credit")
app.add_typer(insurance.app, name="insurance")
app.add_typer(funds.app, name="funds")
app.add_typer(products.app, name="products")
app.add_typer(release_cli.app, name="release")
app.add_typer(indicators_cli.app, name="indicators")
app.command("match", help=t("产品匹配：企业与产品双向匹配", "Match enterprises and products"))(
    match_cmd
)
app.add_typer(policy_cli.app, name="policy")
app.command(
    "report",
    help=t(
        "按统计发布生成报告章节（md/html/xlsx/pdf）", "Render the report chapter (md/html/xlsx/pdf)"
    ),
)(report_cmd)
app.add_typer(user_app, name="user")
app.add_typer(audit_cli.app, name="audit")
app.command("serve", help=t("启动 API 与网页服务", "Serve the API and web"))(serve_cmd)


@app.command(
    "demo",
    help=t(
        "演示：在新数据库中经导入流程生成按种子校准的合成上海数据（2022–2023），创建统计发布、写出报告并对照种子打印头条指标",
        "Demo: a synthetic Shanghai (2022–2023) calibrated to the seed, imported into a fresh "
        "database; creates the release, writes the report and prints the headline figures",
    ),
)
@handle_errors
def demo(
    directory: str | None = typer.Option(
        None,
        "--dir",
        help=t(
            "演示目录（默认 $KECHUANG_HOME/demo）", "demo directory (default $KECHUANG_HOME/demo)"
        ),
    ),
    out: str | None = typer.Option(
        None,
        "--out",
        help=t(
            "报告输出目录（默认 演示目录/report）", "report output directory (default DIR/report)"
        ),
    ),
    enterprises: int | None = typer.Option(
        None,
        "--enterprises",
        "-n",
        min=10,
        help=t(
            "改为运行小型企业库演示（N 家示例企业，不校准、不出报告）",
            "run the small registry demo instead (N sample enterprises, no calibration or report)",
        ),
    ),
    seed: int = typer.Option(
        2023,
        "--seed",
        help=t("随机种子（同一种子得到同一数据）", "random seed (same seed, same data)"),
    ),
    check: bool = typer.Option(
        False,
        "--check",
        help=t(
            "另经各领域服务独立重算头条指标并与发布核对（约多 1 分钟）",
            "also recompute the headline figures through the domain services and compare (≈1 min)",
        ),
    ),
) -> None:
    """Build the calibrated demo (or, with ``-n``, the small registry demo)."""
    from kechuang.demo.run import run_calibrated_demo, run_demo

    if enterprises is not None:
        run_demo(directory=directory, enterprises=enterprises, seed=seed)
        return
    if not run_calibrated_demo(directory=directory, out=out, seed=seed, check=check).ok:
        raise typer.Exit(1)
