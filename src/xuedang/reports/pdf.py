"""The report PDF (在线验证报告): A4 in the layout of the official forms, signed by the registry.

The caller (the reports services) builds a `ReportContent` from the models; this module only lays
it out: title, update date, photo top right of the field grid, then the 在线验证码, the validity,
how to verify, and a QR code of the verification URL. The result is signed (reports.signing).
"""

from __future__ import annotations

import io
from datetime import date
from functools import lru_cache
from typing import TypedDict
from urllib.parse import urlsplit

import segno
from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from xuedang.core import pdf as core_pdf
from xuedang.core.pdf import PAGE_HEIGHT, PAGE_WIDTH, draw_text, wrap_text
from xuedang.reports.content import ReportContent
from xuedang.reports.signing import sign_pdf

KINDS = ("credential", "enrollment", "authentication")  # authentication: 学历认证报告 (decision 0030)
LANGS = ("zh", "en")


def render_report_pdf(content: ReportContent) -> bytes:
    """The signed PDF of one report (one A4 page, ~100 KB with a ~24 KB photo, ~25 ms).

    Call from synchronous code (pyHanko runs its own event loop). A character no embedded font
    can draw prints as a marked gap with the exact text layer (core.pdf). Raises
    `ImproperlyConfigured` when no usable signing key is configured (see
    docs/decisions/0005-report-signing.md).
    """
    if content.kind not in KINDS or content.lang not in LANGS:
        raise ValueError(f"unknown report kind or language: {content.kind!r}, {content.lang!r}")
    unsigned = _layout(content)
    host = urlsplit(content.verify_url).netloc
    return sign_pdf(
        unsigned, reason=_text(content)["reason"].format(title=content.title, code=content.code), location=host
    )


# --- Fixed wording, per language ------------------------------------------------------------------

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(value: date, lang: str) -> str:
    if lang == "zh":
        return f"{value.year}年{value.month:02d}月{value.day:02d}日"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


class _Text(TypedDict):
    """The fixed wording of a report in one language."""

    updated: str
    code: str
    valid: str
    scan: str
    note_title: str
    notes: tuple[str, ...]
    footer: str
    reason: str


_TEXT: dict[str, _Text] = {
    "zh": {
        "updated": "更新日期：{date}",
        "code": "在线验证码：",
        "valid": "本报告在线验证有效期至：{date}",
        "scan": "扫码验证",
        "note_title": "说明",
        "notes": (
            "本报告内容以学档登记数据为准。扫描右侧二维码，或访问 {url} ，可查验本报告的真伪及学籍学历的当前状态。",
            "本报告附有学档登记机构的数字签名，对文件的任何改动都会使签名失效。",
            "超过有效期或本人关闭后，本报告不能再通过在线验证。",
        ),
        "footer": "学档 · 全国高等教育学籍学历信息登记        本报告由登记机构数字签名",
        "reason": "{title}（在线验证码 {code}）",
    },
    "en": {
        "updated": "Updated: {date}",
        "code": "Online verification code: ",
        "valid": "Valid for online verification until {date}",
        "scan": "Scan to verify",
        "note_title": "Notes",
        "notes": (
            "The contents of this report are those registered in xuedang. Scan the QR code or visit {url} "
            "to check that the report is genuine and see the current state of the record.",
            "This report carries the digital signature of the xuedang registry; any change to the file breaks it.",
            "After the validity ends, or once the holder closes the report, it no longer verifies online.",
        ),
        "footer": "xuedang · national registry of higher-education student status and credentials"
        "        Digitally signed by the registry",
        "reason": "{title} (online verification code {code})",
    },
}

# 《中国高等教育学历认证报告》: verified by its report number and the certificate number (certification app).
_AUTHENTICATION_TEXT: dict[str, _Text] = {
    "zh": {
        **_TEXT["zh"],
        "code": "报告编号：",
        "valid": "认证日期：{date}",
        "notes": (
            "本报告依据学档登记数据或学校核查结果作出。访问 {url} ，输入报告编号和证书编号，可查验本报告的真伪。",
            "本报告附有学档登记机构的数字签名，对文件的任何改动都会使签名失效。",
            "学历被撤销后，本报告不再有效。",
        ),
        "reason": "{title}（报告编号 {code}）",
    },
    "en": {
        **_TEXT["en"],
        "code": "Report number: ",
        "valid": "Authenticated on {date}",
        "notes": (
            "This report rests on the xuedang registry or the awarding institution's confirmation. Visit {url} "
            "and enter the report number and the certificate number to check that it is genuine.",
            "This report carries the digital signature of the xuedang registry; any change to the file breaks it.",
            "The report is no longer valid once the credential is revoked.",
        ),
        "reason": "{title} (report number {code})",
    },
}


def _text(content: ReportContent) -> _Text:
    return (_AUTHENTICATION_TEXT if content.kind == "authentication" else _TEXT)[content.lang]


# --- Layout -------------------------------------------------------------------------------------------

_MARGIN = 20 * mm
_LABEL_W = 36 * mm
_PHOTO_W, _PHOTO_H = 30 * mm, 40 * mm
_QR_SIZE = 34 * mm
_BOTTOM_BLOCK = 62 * mm  # code, validity, notes and QR code below the grid
_LABEL_FILL = Color(0.93, 0.94, 0.96)
_RULE = Color(0.35, 0.38, 0.45)
_ROW_MAX, _ROW_MIN = 9 * mm, 5.2 * mm


def _layout(content: ReportContent) -> bytes:
    text = _text(content)
    buffer = io.BytesIO()
    canvas = core_pdf.new_canvas(buffer, title=f"{content.title} {content.code}", subject=content.verify_url)
    _frame(canvas)
    y = PAGE_HEIGHT - _MARGIN - 6 * mm
    draw_text(
        canvas, PAGE_WIDTH / 2, y, content.title, size=17 if content.lang == "zh" else 14, bold=True, align="center"
    )
    y -= 9 * mm
    draw_text(
        canvas,
        PAGE_WIDTH - _MARGIN,
        y,
        text["updated"].format(date=format_date(content.updated_on, content.lang)),
        size=9,
        align="right",
    )
    y -= 3 * mm
    y = _field_grid(canvas, content, top=y)
    _bottom_block(canvas, content, top=y - 6 * mm)
    _footer(canvas, text["footer"])
    canvas.save()
    return buffer.getvalue()


def _frame(canvas: Canvas) -> None:
    """A double rule around the page, as printed forms have."""
    canvas.setStrokeColor(_RULE)
    for width, inset in ((1.2, 0), (0.4, 1 * mm)):
        canvas.setLineWidth(width)
        x, y = _MARGIN - 6 * mm + inset, _MARGIN - 8 * mm + inset
        canvas.rect(x, y, PAGE_WIDTH - 2 * x, PAGE_HEIGHT - y - (_MARGIN - 6 * mm + inset))
    canvas.setStrokeColor(Color(0, 0, 0))


def _field_grid(canvas: Canvas, content: ReportContent, *, top: float) -> float:
    """The bordered label/value grid; the photo fills the right of the first rows. Returns its bottom."""
    left, right = _MARGIN, PAGE_WIDTH - _MARGIN
    photo_left = right - _PHOTO_W - 4 * mm
    floor = _MARGIN + _BOTTOM_BLOCK
    size, row_h, rows = _fit_rows(content.fields, top - floor, photo_left - left - _LABEL_W)
    y = photo_bottom = top
    for (label, _value), lines in zip(content.fields, rows, strict=True):
        height = row_h * max(1, len(lines))
        beside_photo = top - y < _PHOTO_H + 4 * mm
        cell_right = photo_left if beside_photo else right
        if beside_photo:
            photo_bottom = y - height
        canvas.setFillColor(_LABEL_FILL)
        canvas.rect(left, y - height, _LABEL_W, height, stroke=0, fill=1)
        canvas.setFillColor(Color(0, 0, 0))
        baseline = y - (row_h + size * 0.7) / 2
        draw_text(canvas, left + 2.5 * mm, baseline, label, size=_label_size(label, size))
        for i, line in enumerate(lines):
            draw_text(canvas, left + _LABEL_W + 3 * mm, baseline - i * row_h, line, size=size)
        canvas.setStrokeColor(_RULE)
        canvas.setLineWidth(0.5)
        canvas.rect(left, y - height, cell_right - left, height)
        canvas.line(left + _LABEL_W, y, left + _LABEL_W, y - height)
        y -= height
    _photo_cell(canvas, content.photo, photo_left, top, right, min(photo_bottom, top - _PHOTO_H - 4 * mm))
    canvas.setStrokeColor(Color(0, 0, 0))  # bold text strokes its outlines in the stroke colour
    return min(y, photo_bottom, top - _PHOTO_H - 4 * mm)


def _label_size(label: str, size: float) -> float:
    """Labels stay on one line in their cell: a long one (English, mostly) is set smaller."""
    room = _LABEL_W - 4 * mm
    width = core_pdf.text_width(label, size)
    return size if width <= room else max(6.0, size * room / width)


def _fit_rows(fields: list[tuple[str, str]], height: float, width: float) -> tuple[float, float, list[list[str]]]:
    """The largest font and row height (within limits) at which every field fits above the bottom block.

    Values wrap to the width beside the photo (rows below it just have room to spare). Past the
    smallest comfortable size, rows tighten further so the report stays one page.
    """
    for size in (10.5, 10, 9.5, 9, 8.5, 8):
        rows = [wrap_text(value or "—", width - 6 * mm, size) for _label, value in fields]
        lines = sum(max(1, len(r)) for r in rows)
        row_h = min(_ROW_MAX, max(_ROW_MIN, height / max(lines, 1)))
        if lines * row_h <= height:
            return size, row_h, rows
    row_h = height / lines
    return min(size, row_h * 0.62), row_h, rows


def _photo_cell(canvas: Canvas, photo: bytes | None, left: float, top: float, right: float, bottom: float) -> None:
    canvas.setStrokeColor(_RULE)
    canvas.setLineWidth(0.5)
    canvas.rect(left, bottom, right - left, top - bottom)
    box_x = left + (right - left - _PHOTO_W) / 2
    box_y = top - _PHOTO_H - (top - bottom - _PHOTO_H) / 2
    if photo:
        core_pdf.draw_photo(canvas, photo, box_x, box_y, _PHOTO_W, _PHOTO_H)


def _bottom_block(canvas: Canvas, content: ReportContent, *, top: float) -> None:
    text = _text(content)
    left = _MARGIN
    qr_x = PAGE_WIDTH - _MARGIN - _QR_SIZE
    y = top - 5 * mm
    width = draw_text(canvas, left, y, text["code"], size=11, bold=True)
    draw_text(canvas, left + width, y, content.code, size=13, bold=True)
    y -= 7 * mm
    draw_text(canvas, left, y, text["valid"].format(date=format_date(content.valid_until, content.lang)), size=10)
    y -= 8 * mm
    draw_text(canvas, left, y, text["note_title"], size=9, bold=True)
    note_width = qr_x - left - 8 * mm
    for n, note in enumerate(text["notes"], start=1):
        for i, line in enumerate(wrap_text(note.format(url=content.verify_url), note_width - 5 * mm, 8.5)):
            y -= 4.6 * mm
            if i == 0:
                draw_text(canvas, left, y, f"{n}.", size=8.5)
            draw_text(canvas, left + 5 * mm, y, line, size=8.5)
    qr_top = top - 2 * mm
    _draw_qr(canvas, content.verify_url, qr_x, qr_top - _QR_SIZE, _QR_SIZE)
    draw_text(canvas, qr_x + _QR_SIZE / 2, qr_top - _QR_SIZE - 4 * mm, text["scan"], size=8.5, align="center")


def _footer(canvas: Canvas, footer: str) -> None:
    draw_text(canvas, PAGE_WIDTH / 2, _MARGIN - 3 * mm, footer, size=7.5, align="center")


# --- QR code: encoded once per URL, drawn as vector runs ----------------------------------------------


@lru_cache(maxsize=1024)
def qr_path(url: str) -> tuple[int, str]:
    """The QR symbol of url (quiet zone included) as (modules across, PDF fill operators in module units).

    One `re` per horizontal run of dark modules, in integers: a fraction of the size and the time
    of drawing ~1,000 module squares through ReportLab's path objects.
    """
    matrix = [list(row) for row in segno.make(url, error="m", micro=False).matrix_iter(border=4)]
    ops = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                ops.append(f"{start} {r} {c - start} 1 re")
            else:
                c += 1
    return len(matrix), "\n".join(ops)


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    count, ops = qr_path(url)
    module = size / count
    # Module units, rows counted down from the symbol's top edge; black fill; state restored after.
    canvas.addLiteral(f"q {module:.4f} 0 0 {-module:.4f} {x:.2f} {y + size:.2f} cm 0 g\n{ops}\nf Q")
