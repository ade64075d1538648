"""Public statistics as JSON and CSV, with the labels the HTML page shares (zh by default, en)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from intake_core.statistics import Cell, CountRow, StatsReport
from intake_core.taxonomy import Taxonomy

SUPPRESSED_MARK = "<{k}"  # how a suppressed cell reads in CSV and HTML

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "投诉举报受理情况公开统计", "period": "统计期间", "received": "收到件数",
        "by_channel": "按渠道", "by_kind": "按类型", "by_category": "按类别", "by_status": "按办理状态",
        "timeliness": "办理时效", "satisfaction": "满意度", "key": "项目", "count": "件数", "value": "数值",
        "answered": "已答复件数", "on_time_rate": "按期答复率", "acknowledged": "已告知受理件数",
        "median_hours_to_acknowledgement": "受理告知用时中位数（小时）",
        "median_hours_to_answer": "答复用时中位数（小时）", "ratings": "评价件数", "mean_score": "平均评分（1-5）",
        "score": "评分", "generated": "生成时间",
        "note": "为保护当事人，少于 {k} 件的数据不予显示（标记为“<{k}”）；不含任何个人信息。",
        "other_language": "English", "empty": "无",
    },
    "en": {
        "title": "Complaints and reports: public statistics", "period": "Period", "received": "Cases received",
        "by_channel": "By channel", "by_kind": "By kind", "by_category": "By category", "by_status": "By status",
        "timeliness": "Timeliness", "satisfaction": "Satisfaction", "key": "Item", "count": "Cases",
        "value": "Value", "answered": "Cases answered", "on_time_rate": "Answered on time",
        "acknowledged": "Cases acknowledged",
        "median_hours_to_acknowledgement": "Median hours to acknowledgement",
        "median_hours_to_answer": "Median hours to answer", "ratings": "Ratings", "mean_score": "Mean score (1-5)",
        "score": "Score", "generated": "Generated",
        "note": "To protect the people involved, figures below {k} are not shown (marked \u201c<{k}\u201d); "
                "no personal data is included.",
        "other_language": "中文", "empty": "none",
    },
}

VALUE_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "channel": {
        "zh": {"web": "网页", "email": "电子邮件", "telegram": "Telegram", "sms": "短信", "voice": "电话",
               "api": "接口", "open311": "Open311", "terminal": "终端"},
        "en": {"web": "Web chat", "email": "Email", "telegram": "Telegram", "sms": "SMS", "voice": "Telephone",
               "api": "API", "open311": "Open311", "terminal": "Terminal"},
    },
    "kind": {"zh": {"complaint": "投诉", "report": "举报"}, "en": {"complaint": "Complaints", "report": "Reports"}},
    "status": {
        "zh": {"received": "已接收", "registered": "已登记", "assigned": "已分办", "investigating": "调查中",
               "decided": "已作出处理决定", "answered": "已答复", "closed": "已办结", "archived": "已归档",
               "out_of_scope": "不属于受理范围", "referred": "已告知或移送有权机关",
               "review_requested": "已申请复核", "under_review": "复核中"},
        "en": {"received": "Received", "registered": "Registered", "assigned": "Assigned",
               "investigating": "Investigating", "decided": "Decided", "answered": "Answered", "closed": "Closed",
               "archived": "Archived", "out_of_scope": "Outside our remit", "referred": "Referred",
               "review_requested": "Review requested", "under_review": "Under review"},
    },
}

TABLES = ("by_channel", "by_kind", "by_category", "by_status")
TIMELINESS = ("answered", "on_time_rate", "acknowledged", "median_hours_to_acknowledgement",
              "median_hours_to_answer")


def locale_of(value: str | None) -> str:
    return "en" if value == "en" else "zh"


def label_of(dimension: str, key: str, locale: str, taxonomy: Taxonomy) -> str:
    if dimension == "by_category":
        return taxonomy.get(key).name(locale) if key in taxonomy else key
    names = VALUE_LABELS.get(dimension.removeprefix("by_"), {}).get(locale, {})
    return names.get(key, key)


def ordered_rows(report: StatsReport, table: str, taxonomy: Taxonomy) -> tuple[CountRow, ...]:
    rows: tuple[CountRow, ...] = getattr(report, table)
    if table != "by_category":
        return rows
    order = {category.code: index for index, category in enumerate(taxonomy.all())}
    return tuple(sorted(rows, key=lambda row: (order.get(row.key, len(order)), row.key)))


def shown(value: float | int | None, suppressed: bool, k: int, percent: bool = False) -> str:
    """A cell as people read it: the figure, "<k" when suppressed, "-" when there is nothing to measure."""
    if suppressed:
        return SUPPRESSED_MARK.format(k=k)
    if value is None:
        return "-"
    if percent:
        return f"{value * 100:.1f}%"
    return str(value)


def _cell(cell: Cell) -> dict[str, Any]:
    return {"value": cell.value, "suppressed": cell.suppressed}


def report_dict(report: StatsReport, taxonomy: Taxonomy) -> dict[str, Any]:
    def rows(table: str) -> list[dict[str, Any]]:
        out = []
        for row in ordered_rows(report, table, taxonomy):
            item: dict[str, Any] = {"key": row.key, "count": row.count, "suppressed": row.suppressed}
            if table == "by_category":
                item["name_zh"] = label_of(table, row.key, "zh", taxonomy)
                item["name_en"] = label_of(table, row.key, "en", taxonomy)
            out.append(item)
        return out

    t, s = report.timeliness, report.satisfaction
    return {
        "period": {"from": report.start.isoformat(), "to": report.end.isoformat(), "timezone": report.timezone},
        "min_cell": report.min_cell, "generated_at": report.generated_at.isoformat(),
        "total": _cell(report.total),
        **{table: rows(table) for table in TABLES},
        "timeliness": {name: _cell(getattr(t, name)) for name in TIMELINESS},
        "satisfaction": {"ratings": _cell(s.ratings), "mean_score": _cell(s.mean_score),
                         "distribution": [{"score": int(r.key), "count": r.count, "suppressed": r.suppressed}
                                          for r in s.distribution]},
    }


def render_json(report: StatsReport, taxonomy: Taxonomy) -> str:
    return json.dumps(report_dict(report, taxonomy), ensure_ascii=False, indent=2)


def render_csv(report: StatsReport, taxonomy: Taxonomy, locale: str = "zh") -> str:
    """One table per section: a title line, a header line, the rows, a blank line."""
    labels, k = LABELS[locale], report.min_cell
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([[labels["title"]], [labels["period"], report.start.isoformat(), report.end.isoformat(),
                                          report.timezone], [labels["note"].format(k=k)], []])
    writer.writerows([[labels["received"]], [labels["key"], labels["count"]],
                      [labels["received"], shown(report.total.value, report.total.suppressed, k)], []])
    for table in TABLES:
        writer.writerow([labels[table]])
        writer.writerow(["code", labels["key"], labels["count"]])
        for row in ordered_rows(report, table, taxonomy):
            writer.writerow([row.key, label_of(table, row.key, locale, taxonomy),
                             shown(row.count, row.suppressed, k)])
        writer.writerow([])
    writer.writerow([labels["timeliness"]])
    writer.writerow(["code", labels["key"], labels["value"]])
    for name in TIMELINESS:
        cell = getattr(report.timeliness, name)
        writer.writerow([name, labels[name], shown(cell.value, cell.suppressed, k, percent=name == "on_time_rate")])
    writer.writerow([])
    s = report.satisfaction
    writer.writerow([labels["satisfaction"]])
    writer.writerow(["code", labels["key"], labels["value"]])
    writer.writerow(["ratings", labels["ratings"], shown(s.ratings.value, s.ratings.suppressed, k)])
    writer.writerow(["mean_score", labels["mean_score"], shown(s.mean_score.value, s.mean_score.suppressed, k)])
    for row in s.distribution:
        writer.writerow([f"score_{row.key}", f"{labels['score']} {row.key}", shown(row.count, row.suppressed, k)])
    return out.getvalue()
