"""The PDF text layer: per-character font fallback, glyphs really drawn, text that copies out exactly."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4

from xuedang.core import pdf as core_pdf

RARE = "𠮷𡒄"  # U+20BB7 (in HanaMinA) and U+21484 (only in HanaMinB); UMing has neither


def poppler(tool: str) -> str:
    """poppler-utils is an independent reader; `make test` installs it (skips locally only)."""
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{tool} (poppler-utils) is required in CI")
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return path


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        [poppler("pdftotext"), "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")


def ink(data: bytes, tmp_path: Path, box_pt: tuple[float, float, float, float]) -> frozenset[tuple[int, int]]:
    """Dark pixels of page 1 (rasterised by pdftoppm at 72 dpi) inside box (x0, y0, x1, y1) in PDF points."""
    path = tmp_path / "page.pdf"
    path.write_bytes(data)
    png = subprocess.run(
        [poppler("pdftoppm"), "-r", "72", "-gray", "-png", "-f", "1", "-l", "1", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    image = Image.open(io.BytesIO(png)).convert("L")
    x0, y0, x1, y1 = box_pt
    top = image.size[1] - int(y1)
    return frozenset(
        (x, y) for x in range(int(x0), int(x1)) for y in range(top, top + int(y1 - y0)) if image.getpixel((x, y)) < 128
    )


GLYPH_BOX = (95, 390, 185, 490)


def one_glyph_page(char: str, font: str | None = None) -> bytes:
    """A page with one character at 72 pt inside GLYPH_BOX: by the fallback chain, or forced into one font."""
    buffer = io.BytesIO()
    canvas = core_pdf.new_canvas(buffer, title="glyph")
    if font is None:
        core_pdf.draw_text(canvas, 100, 410, char, size=72)
    else:  # what plain ReportLab does: one font for everything, glyph 0 (.notdef) where it has none
        canvas.setFont(font, 72)
        canvas.drawString(100, 410, char)
    canvas.save()
    return buffer.getvalue()


def test_each_character_is_drawn_by_the_first_font_that_has_its_glyph() -> None:
    runs = core_pdf.font_chain().runs("Li 李𠮷𡒄")
    assert runs == [("XdLatinSerif", "Li "), ("XdUMingCN", "李"), ("XdHanaMinA", "𠮷"), ("XdHanaMinB", "𡒄")]


def test_a_character_no_font_can_draw_prints_as_a_marked_gap_with_the_exact_text(tmp_path: Path) -> None:
    undrawable = "\U0002ebf0"  # CJK Extension I: accepted in names, in no installed font
    assert core_pdf.font_chain().missing(f"张{undrawable}三") == {undrawable}
    buffer = io.BytesIO()
    canvas = core_pdf.new_canvas(buffer, title="gap")
    core_pdf.draw_text(canvas, 100, 410, f"张{undrawable}三", size=72)
    canvas.save()
    assert pdf_text(buffer.getvalue(), tmp_path).strip() == f"张{undrawable}三"
    # The gap is marked: ink where the character would be (72 pt after 张), none without it.
    gap_box = (180, 405, 236, 470)
    assert len(ink(buffer.getvalue(), tmp_path, gap_box)) > 100
    alone = io.BytesIO()
    canvas = core_pdf.new_canvas(alone, title="alone")
    core_pdf.draw_text(canvas, 100, 410, "张", size=72)
    canvas.save()
    assert not ink(alone.getvalue(), tmp_path, gap_box)


def test_invisible_format_characters_and_line_breaks_do_not_need_glyphs() -> None:
    assert core_pdf.normalise_text("吉\ufe00田\u200d\n张") == "吉田 张"


@pytest.mark.parametrize("char", list(RARE))
def test_rare_characters_are_drawn_as_real_glyphs_not_blank_or_notdef_boxes(char: str, tmp_path: Path) -> None:
    drawn = ink(one_glyph_page(char), tmp_path, GLYPH_BOX)
    assert len(drawn) > 300
    unmapped = "\U000e0080"
    for font in core_pdf.font_chain().fonts:
        notdef = ink(one_glyph_page(unmapped, font.fontName), tmp_path, GLYPH_BOX)
        assert len(drawn ^ notdef) > 300, f"{char} looks like {font.fontName}'s .notdef box"
    # The control shows the check can fail: UMing alone draws its .notdef box in the same place.
    forced = ink(one_glyph_page(char, "XdUMingCN"), tmp_path, GLYPH_BOX)
    assert forced == ink(one_glyph_page(unmapped, "XdUMingCN"), tmp_path, GLYPH_BOX)


def test_rare_characters_copy_out_exactly_including_beyond_the_basic_plane(tmp_path: Path) -> None:
    data = core_pdf.render_document_pdf(
        title=f"学信档案 {RARE}",
        subtitle="",
        sections=[("学籍", [("姓名", "𠮷田 𡒄三 Zhang")])],
        photo=None,
        footer="学档",
    )
    text = pdf_text(data, tmp_path)
    assert f"学信档案 {RARE}" in text
    assert "𠮷田 𡒄三 Zhang" in text
    assert "\u20bb" not in text  # ReportLab's own map gives U+20BB for 𠮷


def test_only_the_characters_used_are_embedded_as_subsets(tmp_path: Path) -> None:
    data = core_pdf.render_document_pdf(title=f"李{RARE} Li", subtitle="", sections=[], photo=None, footer="")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    fonts = subprocess.run([poppler("pdffonts"), str(path)], capture_output=True, check=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert {row[0].split("+")[1] for row in rows} == {"LiberationSerif", "UMingCN-0", "HanaMinA", "HanaMinB"}
    assert all(row[0][6] == "+" and row[-5:-2] == ["yes", "yes", "yes"] for row in rows)  # embedded, subset, ToUnicode
    assert len(data) < 40_000


def test_a_long_record_breaks_onto_pages_of_a4_with_the_footer_on_each(tmp_path: Path) -> None:
    rows = [(f"第{i}项", "北京大学 Peking University " * 4) for i in range(60)]
    data = core_pdf.render_document_pdf(
        title="学信档案", subtitle="张三", sections=[("学籍", rows)], photo=None, footer="学档 xuedang"
    )
    text = pdf_text(data, tmp_path)
    assert text.count("学档 xuedang") >= 2
    assert "第 2 页 / page 2" in text
    path = tmp_path / "doc.pdf"
    info = subprocess.run([poppler("pdfinfo"), str(path)], capture_output=True, check=True, text=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    assert pytest.approx((595.2756, 841.8898), abs=0.01) == A4


def test_long_values_wrap_within_their_cell() -> None:
    lines = core_pdf.wrap_text("北京大学 Peking University School of Electronics Engineering", 120, 10)
    assert len(lines) > 1
    assert all(core_pdf.text_width(line, 10) <= 120 for line in lines)
    assert "".join(lines).replace(" ", "") == "北京大学PekingUniversitySchoolofElectronicsEngineering"


def test_more_distinct_characters_than_one_subset_holds_still_copy_out_exactly(tmp_path: Path) -> None:
    common = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 600))  # three subsets of ≤ 256 in UMing
    text = common[:300] + "𠮷" + common[300:] + "𡒄"
    rows = [("字", text[i : i + 30]) for i in range(0, len(text), 30)]
    data = core_pdf.render_document_pdf(title="字表", subtitle="", sections=[("字", rows)], photo=None, footer="")
    copied = "".join(pdf_text(data, tmp_path).split())
    for row in rows:
        assert row[1] in copied


def test_bold_text_does_not_turn_the_text_after_it_bold() -> None:
    buffer = io.BytesIO()
    canvas = core_pdf.new_canvas(buffer, title="bold")
    canvas.setPageCompression(0)
    core_pdf.draw_text(canvas, 100, 700, "标题", size=16, bold=True)
    core_pdf.draw_text(canvas, 100, 680, "正文", size=10)
    canvas.save()
    content = buffer.getvalue()
    assert content.index(b"2 Tr") < content.index(b"0 Tr") < content.rindex(b"BT")


def test_a_record_with_a_photo_embeds_it_once_beside_the_first_rows(tmp_path: Path) -> None:
    photo = io.BytesIO()
    Image.new("RGB", (120, 160), (60, 110, 190)).save(photo, "JPEG")
    data = core_pdf.render_document_pdf(
        title="学信档案", subtitle="", sections=[("学籍", [("姓名", "张三")])], photo=photo.getvalue(), footer="学档"
    )
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    images = subprocess.run(
        [poppler("pdfimages"), "-list", str(path)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    assert len(images) == 1
    assert images[0].split()[2] == "image"
    assert "jpeg" in images[0]


def test_a_missing_font_package_is_named_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = core_pdf.FontSpec("XdNone", ("/nonexistent/HanaMinA.ttf",), "fonts-hanazono")
    with pytest.raises(core_pdf.FontMissingError, match="apt-get install fonts-hanazono"):
        core_pdf._font_path(spec)
