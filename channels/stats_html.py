"""Public statistics as one standalone HTML page: tables and inline SVG bar charts, no script, no assets."""

from __future__ import annotations

from html import escape

from channels.stats_render import LABELS, TABLES, TIMELINESS, label_of, ordered_rows, shown
from intake_core.statistics import CountRow, StatsReport
from intake_core.taxonomy import Taxonomy

BAR_HEIGHT = 22
LABEL_WIDTH = 260
CHART_WIDTH = 720

STYLE = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2rem auto;
max-width:60rem;padding:0 1rem;color:#1a1a1a;line-height:1.5}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.suppressed{color:#8a4b00;font-style:italic}
.note{background:#f4f4f4;padding:.5rem 1rem}svg text{font-size:13px;fill:#1a1a1a}
"""


def _bars(title: str, items: list[tuple[str, int | None, bool]], k: int) -> str:
    """Horizontal bars; a suppressed cell gets no bar, only its "<k" mark."""
    visible = [count for _, count, suppressed in items if count is not None and not suppressed]
    top = max(visible, default=0) or 1
    height = BAR_HEIGHT * len(items) + 8
    span = CHART_WIDTH - LABEL_WIDTH - 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" '
             f'viewBox="0 0 {CHART_WIDTH} {height}" role="img" aria-label="{escape(title)}">'
             f"<title>{escape(title)}</title>"]
    for index, (label, count, suppressed) in enumerate(items):
        y = 4 + index * BAR_HEIGHT
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(_clip(label))}</text>')
        if suppressed or count is None:
            parts.append(f'<text x="{LABEL_WIDTH + 4}" y="{y + 15}" font-style="italic" fill="#8a4b00">'
                         f"{escape(shown(None, True, k))}</text>")
            continue
        width = round(span * count / top)
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{BAR_HEIGHT - 6}" '
                     f'fill="#2f6db5"/>')
        parts.append(f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 15}">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _clip(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _value(text: str, suppressed: bool) -> str:
    css = "n suppressed" if suppressed else "n"
    return f'<td class="{css}">{escape(text)}</td>'


def _count_section(title: str, table: str, rows: tuple[CountRow, ...], locale: str, taxonomy: Taxonomy,
                   k: int) -> str:
    labels = LABELS[locale]
    if not rows:
        return f"<h2>{escape(title)}</h2><p>{escape(labels['empty'])}</p>"
    named = [(label_of(table, row.key, locale, taxonomy), row) for row in rows]
    body = "".join(f"<tr><td>{escape(name)}</td>{_value(shown(row.count, row.suppressed, k), row.suppressed)}</tr>"
                   for name, row in named)
    chart = _bars(title, [(name, row.count, row.suppressed) for name, row in named], k)
    return (f"<h2>{escape(title)}</h2>{chart}<table><thead><tr><th>{escape(labels['key'])}</th>"
            f"<th>{escape(labels['count'])}</th></tr></thead><tbody>{body}</tbody></table>")


def render_html(report: StatsReport, taxonomy: Taxonomy, locale: str = "zh",
                other_language_href: str | None = None) -> str:
    labels, k = LABELS[locale], report.min_cell
    period = f"{report.start.isoformat()} – {report.end.isoformat()} ({report.timezone})"
    switch = (f'<p><a href="{escape(other_language_href)}" hreflang="{"zh" if locale == "en" else "en"}">'
              f"{escape(labels['other_language'])}</a></p>" if other_language_href else "")
    sections = [f"<h2>{escape(labels['received'])}</h2><table><tbody><tr><td>{escape(labels['received'])}</td>"
                f"{_value(shown(report.total.value, report.total.suppressed, k), report.total.suppressed)}"
                f"</tr></tbody></table>"]
    for table in TABLES:
        sections.append(_count_section(labels[table], table, ordered_rows(report, table, taxonomy), locale,
                                       taxonomy, k))
    timeliness = "".join(
        f"<tr><td>{escape(labels[name])}</td>"
        f"{_value(shown(cell.value, cell.suppressed, k, percent=name == 'on_time_rate'), cell.suppressed)}</tr>"
        for name in TIMELINESS for cell in [getattr(report.timeliness, name)])
    sections.append(f"<h2>{escape(labels['timeliness'])}</h2><table><tbody>{timeliness}</tbody></table>")
    s = report.satisfaction
    summary = (f"<tr><td>{escape(labels['ratings'])}</td>"
               f"{_value(shown(s.ratings.value, s.ratings.suppressed, k), s.ratings.suppressed)}</tr>"
               f"<tr><td>{escape(labels['mean_score'])}</td>"
               f"{_value(shown(s.mean_score.value, s.mean_score.suppressed, k), s.mean_score.suppressed)}</tr>")
    chart = _bars(labels["satisfaction"], [(f"{labels['score']} {row.key}", row.count, row.suppressed)
                                           for row in s.distribution], k)
    sections.append(f"<h2>{escape(labels['satisfaction'])}</h2><table><tbody>{summary}</tbody></table>{chart}")
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if locale == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(labels['title'])}</title><style>{STYLE}</style></head><body>"
            f"<h1>{escape(labels['title'])}</h1>{switch}"
            f"<p>{escape(labels['period'])}: {escape(period)}</p>"
            f"<p class=\"note\">{escape(labels['note'].format(k=k))}</p>"
            f"{''.join(sections)}"
            f"<p>{escape(labels['generated'])}: {escape(report.generated_at.isoformat(timespec='seconds'))}</p>"
            f"</body></html>")
