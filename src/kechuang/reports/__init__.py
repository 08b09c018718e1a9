"""The annual report chapter (seed §7.1 科技金融 and §7.2 知识产权) rendered from a release.

Public surface:

* :func:`render` — ``render(release, fmt="md"|"html"|"xlsx"|"pdf", lang="zh"|"en", out=path)``;
* :func:`render_all` — every format in every language into one directory;
* :func:`build_chapter` — the format-independent chapter (sections, figures, definitions).

Reports read releases only (:class:`kechuang.indicators.model.ReleaseView`): published figures
never change when operational data are corrected later. See ``docs/reports.md``.
"""

from kechuang.reports.chapter import Chapter, build_chapter
from kechuang.reports.render import FORMATS, LANGS, render, render_all

__all__ = ["FORMATS", "LANGS", "Chapter", "build_chapter", "render", "render_all"]
