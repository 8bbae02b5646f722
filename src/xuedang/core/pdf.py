"""The PDF text layer every PDF of xuedang uses (verification reports, the archive's printable record).

Why not ReportLab's defaults:
- Its CJK fonts (STSong-Light) are not embedded, and it cannot load Noto CJK's CFF fonts. We embed
  subsets of TrueType fonts from Debian packages instead: Liberation Serif for Latin text, AR PL
  UMing CN (宋体-like, the look of the official forms) for Chinese, then HanaMinA and HanaMinB for
  the rare characters of names (𠮷 U+20BB7, 𡒄 U+21484 …) that UMing lacks, then BabelStone Han
  for CJK Extensions G and H (张𰻞 U+30EDE). Each character is drawn in the first font whose cmap
  maps it to a real glyph, so none is left as a blank box. FONT_CHAIN below is the one place
  the chain is defined; the Makefile's DEBS installs its packages.
- A character the name validator accepts but no installed font draws (parts of Extensions G–I
  are in no free font yet) still prints: the text layer carries it exactly (invisible text over
  glyph 0, with its ToUnicode entry) and a box marks the gap on the page. Never an error.
- Its ToUnicode map writes characters beyond U+FFFF as five hex digits, so 𠮷 copies out as U+20BB.
  `_EmbeddedTTFont` rewrites each subset's map with UTF-16 surrogate pairs, so search, copy and
  `pdftotext` give back exactly the text that was drawn.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont
from reportlab.pdfgen.canvas import Canvas

PAGE_WIDTH, PAGE_HEIGHT = A4

# Binary streams: ASCII85 makes images and fonts a quarter larger and costs ~7 ms a photo.
rl_config.useA85 = 0


class FontMissingError(RuntimeError):
    """A font file the PDFs need is not installed; the message names the Debian package."""


@dataclass(frozen=True)
class FontSpec:
    """One font of the fallback chain: where Debian installs it and which package provides it."""

    name: str
    paths: tuple[str, ...]
    package: str
    subfont: int = 0
    lazy: bool = False  # loaded only when an earlier font lacks a character (BabelStone: 51 MB, ~1 s)


# Order matters: the first font that has a character's glyph draws it. Latin letters and digits
# come from Liberation Serif (Times' metrics), as Chinese forms set them beside a 宋体.
FONT_CHAIN: tuple[FontSpec, ...] = (
    FontSpec("XdLatinSerif", ("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",), "fonts-liberation"),
    FontSpec("XdUMingCN", ("/usr/share/fonts/truetype/arphic/uming.ttc",), "fonts-arphic-uming", subfont=0),
    FontSpec("XdHanaMinA", ("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",), "fonts-hanazono"),
    FontSpec("XdHanaMinB", ("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",), "fonts-hanazono"),
    FontSpec(
        "XdBabelStoneHan",
        ("/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf",),
        "fonts-babelstone-han",
        lazy=True,
    ),
)
# Characters no font has are drawn invisibly in this font (its glyph 0), with a box over the gap.
GAP_FONT = "XdUMingCN"

# Variation selectors refine a glyph but draw nothing of their own; no font here needs them.
_VARIATION_SELECTORS = set(range(0xFE00, 0xFE10)) | set(range(0xE0100, 0xE01F0))


def _to_unicode_cmap(font_name: str, subset: list[int]) -> str:
    """A ToUnicode CMap for one ≤256-glyph subset, with UTF-16BE (surrogate pairs beyond U+FFFF)."""
    entries = [f"<{code:02X}> <{chr(cp).encode('utf-16-be').hex().upper()}>" for code, cp in enumerate(subset)]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({font_name})",
            f"/Ordering ({font_name})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{font_name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            # A bfchar block holds at most 100 entries (PDF reference, 5.9.2).
            *_bfchar_blocks(entries),
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


def _bfchar_blocks(entries: list[str]) -> Iterator[str]:
    for start in range(0, len(entries), 100):
        block = entries[start : start + 100]
        yield f"{len(block)} beginbfchar"
        yield from block
        yield "endbfchar"


class _TableSlices:
    """A font table that hands out copies of the slices asked for, not of the whole table.

    ReportLab copies the whole `glyf` table (20–30 MB in these CJK fonts) for every subset it
    writes, ~2 ms a font a PDF; its subsetter only ever slices single glyphs out of it.
    """

    def __init__(self, data: bytes, pos: int, length: int) -> None:
        self._view = memoryview(data)[pos : pos + length]

    def __getitem__(self, key: slice) -> bytes:
        return bytes(self._view[key])

    def __len__(self) -> int:
        return len(self._view)


class _EmbeddedTTFont(TTFont):
    """ReportLab's subset-embedding TrueType font with a correct ToUnicode map for every plane."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        face = self.face
        whole_table = face.get_table

        def get_table(tag: str) -> bytes | _TableSlices:
            if tag == "glyf":
                return _TableSlices(face._ttf_data, *face.get_table_pos(tag))  # type: ignore[attr-defined]  # private, not in the stubs
            return whole_table(tag)

        face.get_table = get_table  # type: ignore[method-assign]  # patched on this one face on purpose

    def addObjects(self, doc) -> None:
        state = self.state.get(doc)
        subsets = [list(subset) for subset in state.subsets] if state else []
        super().addObjects(doc)
        for n, subset in enumerate(subsets):
            base_name = b"".join((SUBSETN(n), b"+", self.face.name, self.face.subfontNameX)).decode("pdfdoc")
            stream = doc.idToObject["toUnicodeCMap:" + base_name]
            stream.content = _to_unicode_cmap(base_name, subset)


class FontChain:
    """The registered fonts, in fallback order, with each one's set of covered code points."""

    def __init__(self, fonts: Sequence[TTFont], later: Sequence[FontSpec] = ()) -> None:
        self.fonts = list(fonts)
        # Glyph 0 is .notdef: a cmap entry pointing at it is a blank box, not coverage.
        self.coverage = [_covered(f) for f in self.fonts]
        self._later = list(later)
        self._font_of: dict[str, tuple[str, bool]] = {}

    def font_for(self, char: str) -> str:
        """The font that draws char (GAP_FONT for a character no font has; see `runs_marked`)."""
        return self._lookup(char)[0]

    def _lookup(self, char: str) -> tuple[str, bool]:
        found = self._font_of.get(char)
        if found is None:
            found = self._font_of[char] = self._first_covering(char)
        return found

    def _first_covering(self, char: str) -> tuple[str, bool]:
        code = ord(char)
        while True:
            for font, covered in zip(self.fonts, self.coverage, strict=True):
                if code in covered:
                    return font.fontName, True
            if not self._load_later():
                # ReportLab gives every unmapped character the one code 0, which cannot carry its
                # own ToUnicode entry; mapped explicitly to glyph 0, it gets a code of its own.
                gap = next(font for font in self.fonts if font.fontName == GAP_FONT)
                gap.face.charToGlyph.setdefault(code, 0)
                return GAP_FONT, False

    def _load_later(self) -> bool:
        """Register the next lazily loaded font; False when there is none left."""
        with _register_lock:
            if not self._later:
                return False
            font = _registered(self._later.pop(0))
            self.fonts.append(font)
            self.coverage.append(_covered(font))
            return True

    def runs_marked(self, text: str) -> list[tuple[str, str, bool]]:
        """(font name, characters, drawable) runs; undrawable characters form runs of their own."""
        runs: list[tuple[str, list[str], bool]] = []
        for char in normalise_text(text):
            font, drawable = self._lookup(char)
            if runs and runs[-1][0] == font and runs[-1][2] == drawable:
                runs[-1][1].append(char)
            else:
                runs.append((font, [char], drawable))
        return [(font, "".join(chars), drawable) for font, chars, drawable in runs]

    def runs(self, text: str) -> list[tuple[str, str]]:
        """Split text into (font name, characters) runs, each run drawn by the first font that has it."""
        return [(font, chars) for font, chars, _ in self.runs_marked(text)]

    def missing(self, text: str) -> set[str]:
        """Characters of text that no font can draw (they print as a marked gap)."""
        return {char for char in normalise_text(text) if not self._lookup(char)[1]}


def _covered(font: TTFont) -> frozenset[int]:
    return frozenset(cp for cp, gid in font.face.charToGlyph.items() if gid)


def normalise_text(text: str) -> str:
    """Whitespace becomes a plain space; invisible format characters are dropped (they draw nothing)."""
    out = []
    for char in text:
        if char.isspace():
            out.append(" ")
        elif ord(char) in _VARIATION_SELECTORS or unicodedata.category(char) in ("Cf", "Cc"):
            continue
        else:
            out.append(char)
    return "".join(out)


def _font_path(spec: FontSpec) -> str:
    for path in spec.paths:
        if Path(path).is_file():
            return path
    raise FontMissingError(
        f"PDF 字体 {spec.name} 缺失：请安装 Debian 软件包 {spec.package} / the PDF font {Path(spec.paths[0]).name} "
        f"is missing: install the Debian package {spec.package} (apt-get install {spec.package})"
    )


_register_lock = threading.Lock()


def _registered(spec: FontSpec) -> TTFont:
    # asciiReadable=False: else each subset carries all of ASCII whether drawn or not.
    font = _EmbeddedTTFont(spec.name, _font_path(spec), subfontIndex=spec.subfont, asciiReadable=False)
    pdfmetrics.registerFont(font)
    return font


@cache
def font_chain() -> FontChain:
    """Register the embedded fonts once per process (~0.15 s) and return the fallback chain; the
    lazy ones are registered the first time a character needs them."""
    with _register_lock:
        fonts = [_registered(spec) for spec in FONT_CHAIN if not spec.lazy]
        return FontChain(fonts, [spec for spec in FONT_CHAIN if spec.lazy])


# --- Drawing -----------------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, font, size) for font, run in font_chain().runs(text))


def draw_text(
    canvas: Canvas, x: float, y: float, text: str, *, size: float, bold: bool = False, align: str = "left"
) -> float:
    """Draw one line at baseline y, choosing a font per character; returns the width drawn.

    No CJK font here has a bold face; `bold` strokes the outlines as well as filling them, as
    printed forms do with a 宋体 that has no bold weight.
    """
    runs = font_chain().runs_marked(text)
    width = sum(pdfmetrics.stringWidth(run, font, size) for font, run, _ in runs)
    if align == "center":
        x -= width / 2
    elif align == "right":
        x -= width
    text_object = canvas.beginText(x, y)
    drawn_mode: Literal[0, 2] = 2 if bold else 0
    if bold:
        text_object.setTextRenderMode(2)
        canvas.setLineWidth(size * 0.035)
    gaps: list[tuple[float, float]] = []
    at = x
    for font, run, drawable in runs:
        text_object.setFont(font, size)
        if not drawable:  # invisible, so the text layer holds the character; a box marks the gap
            text_object.setTextRenderMode(3)
        text_object.textOut(run)
        if not drawable:
            text_object.setTextRenderMode(drawn_mode)
        for char in run if not drawable else ():
            gaps.append((at, pdfmetrics.stringWidth(char, font, size)))
            at += gaps[-1][1]
        at += pdfmetrics.stringWidth(run, font, size) if drawable else 0
    if bold:  # the render mode is graphics state: it outlives the text object
        text_object.setTextRenderMode(0)
    canvas.drawText(text_object)
    _mark_gaps(canvas, gaps, y, size)
    return width


def _mark_gaps(canvas: Canvas, gaps: list[tuple[float, float]], y: float, size: float) -> None:
    """A thin box over each character no font can draw, so the reader sees something is there."""
    if not gaps:
        return
    canvas.saveState()
    canvas.setLineWidth(max(size * 0.04, 0.3))
    for left, width in gaps:
        canvas.rect(left + size * 0.05, y - size * 0.1, width - size * 0.1, size * 0.85, stroke=1, fill=0)
    canvas.restoreState()


def wrap_text(text: str, max_width: float, size: float) -> list[str]:
    """Break text into lines no wider than max_width: between CJK characters anywhere, Latin at spaces."""
    lines: list[str] = []
    line, width = "", 0.0
    for token in _tokens(normalise_text(text)):
        token_width = text_width(token, size)  # widths add up: ReportLab neither kerns nor shapes here
        if line and width + token_width > max_width:
            lines.append(line.rstrip())
            line = token.lstrip()
            width = text_width(line, size)
        else:
            line += token
            width += token_width
        while width > max_width and len(line) > 1:  # a word longer than a whole line
            cut = _longest_fitting_prefix(line, max_width, size)
            lines.append(line[:cut])
            line = line[cut:]
            width = text_width(line, size)
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> Iterator[str]:
    """Latin words (with the space before them) stay whole; every other character is its own token."""
    word = ""
    for char in text:
        if char == " " or (char.isascii() and char.isalnum()) or char in "-.,;:'()/&@+":
            if char == " " and word.strip():
                yield word
                word = ""
            word += char
        else:
            if word:
                yield word
                word = ""
            yield char
    if word:
        yield word


def _longest_fitting_prefix(text: str, max_width: float, size: float) -> int:
    cut = 1
    while cut < len(text) and text_width(text[: cut + 1], size) <= max_width:
        cut += 1
    return cut


@lru_cache(maxsize=64)
def image_reader(data: bytes) -> ImageReader:
    """Decoded images, kept per process for re-downloads: ReportLab decodes a photo to RGB (to name
    it by digest) every time it is drawn, ~7 ms a page for a PNG (MEASURED.md)."""
    return ImageReader(io.BytesIO(data))


# A cached reader shares one file position; threads drawing the same photo take turns.
_image_lock = threading.Lock()


def new_canvas(buffer: io.BytesIO, *, title: str, subject: str = "") -> Canvas:
    """An A4 canvas with compressed streams and metadata (its creation date is the real one)."""
    primary = font_chain().fonts[0].fontName  # else every page names an unembedded Helvetica
    # types-reportlab says float; ReportLab takes (and documents) a font name here.
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=primary)  # type: ignore[arg-type]
    canvas.setTitle(title)
    canvas.setSubject(subject)
    canvas.setAuthor("学档 xuedang")
    canvas.setCreator("xuedang")
    return canvas


# --- A generic A4 document (the archive's printable record) -------------------------------------

_MARGIN = 18 * mm
_PHOTO_W, _PHOTO_H = 26 * mm, 35 * mm  # a 2-inch ID photo's proportions (33 × 48 mm scaled)


def render_document_pdf(
    *,
    title: str,
    subtitle: str,
    sections: list[tuple[str, list[tuple[str, str]]]],
    photo: bytes | None,
    footer: str,
) -> bytes:
    """An A4 record: title and subtitle, photo top right, then titled sections of label/value rows.

    Rows wrap within their cell and pages break between rows; every page carries the footer and
    its page number.
    """
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, title=title, subject=subtitle)
    layout = _DocumentLayout(canvas, footer)
    y = PAGE_HEIGHT - _MARGIN - 8 * mm
    draw_text(canvas, PAGE_WIDTH / 2, y, title, size=18, bold=True, align="center")
    if subtitle:
        y -= 8 * mm
        draw_text(canvas, PAGE_WIDTH / 2, y, subtitle, size=10, align="center")
    y -= 8 * mm
    if photo:
        draw_photo(canvas, photo, PAGE_WIDTH - _MARGIN - _PHOTO_W, y - _PHOTO_H, _PHOTO_W, _PHOTO_H)
    layout.y = y
    layout.right = PAGE_WIDTH - _MARGIN - (_PHOTO_W + 5 * mm if photo else 0)
    layout.photo_bottom = y - _PHOTO_H - 3 * mm if photo else y
    for heading, rows in sections:
        layout.section(heading, rows)
    layout.finish()
    canvas.save()
    return buffer.getvalue()


def draw_photo(canvas: Canvas, photo: bytes, x: float, y: float, width: float, height: float) -> None:
    """The photo scaled into its box keeping its proportions, centred, with a thin frame."""
    reader = image_reader(photo)
    image_w, image_h = reader.getSize()
    scale = min(width / image_w, height / image_h)
    draw_w, draw_h = image_w * scale, image_h * scale
    with _image_lock:
        canvas.drawImage(reader, x + (width - draw_w) / 2, y + (height - draw_h) / 2, draw_w, draw_h)
    canvas.setLineWidth(0.5)
    canvas.rect(x, y, width, height)


class _DocumentLayout:
    """Flows section headings and label/value rows down the page, breaking to new pages."""

    label_width = 38 * mm
    size = 10
    leading = 14

    def __init__(self, canvas: Canvas, footer: str) -> None:
        self.canvas = canvas
        self.footer = footer
        self.page = 1
        self.y = PAGE_HEIGHT - _MARGIN
        self.right = PAGE_WIDTH - _MARGIN
        self.photo_bottom = self.y

    def section(self, heading: str, rows: list[tuple[str, str]]) -> None:
        self._room_for(self.leading * 3)
        self.y -= self.leading * 1.4
        draw_text(self.canvas, _MARGIN, self.y, heading, size=12, bold=True)
        self.y -= 4
        self.canvas.setLineWidth(0.8)
        self.canvas.line(_MARGIN, self.y, self._right_edge(), self.y)
        for label, value in rows:
            self._row(label, value)

    def _row(self, label: str, value: str) -> None:
        value_x = _MARGIN + self.label_width
        lines = wrap_text(value or "—", self._right_edge() - value_x, self.size)
        label_lines = wrap_text(label, self.label_width - 4, self.size)
        self._room_for(self.leading * max(len(lines), len(label_lines)) + 4)
        top = self.y
        for i, line in enumerate(label_lines):
            draw_text(self.canvas, _MARGIN, top - self.leading * (i + 1), line, size=self.size)
        for i, line in enumerate(lines):
            draw_text(self.canvas, value_x, top - self.leading * (i + 1), line, size=self.size)
        self.y = top - self.leading * max(len(lines), len(label_lines)) - 4
        self.canvas.setLineWidth(0.25)
        self.canvas.line(_MARGIN, self.y, self._right_edge(), self.y)

    def _right_edge(self) -> float:
        # Rows beside the photo stop short of it; rows below use the full width.
        return self.right if self.y - self.leading * 2 > self.photo_bottom else PAGE_WIDTH - _MARGIN

    def _room_for(self, height: float) -> None:
        if self.y - height >= _MARGIN + 12 * mm:
            return
        self._draw_footer()
        self.canvas.showPage()
        self.page += 1
        self.y = PAGE_HEIGHT - _MARGIN
        self.photo_bottom = self.y

    def finish(self) -> None:
        self._draw_footer()

    def _draw_footer(self) -> None:
        y = _MARGIN
        self.canvas.setLineWidth(0.25)
        self.canvas.line(_MARGIN, y + 10, PAGE_WIDTH - _MARGIN, y + 10)
        draw_text(self.canvas, _MARGIN, y, self.footer, size=8)
        draw_text(self.canvas, PAGE_WIDTH - _MARGIN, y, f"第 {self.page} 页 / page {self.page}", size=8, align="right")
