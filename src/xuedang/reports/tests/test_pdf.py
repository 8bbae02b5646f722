"""Report PDFs: A4 in the official layout, rare characters drawn and copied out exactly, and the
registry's PAdES signature checked by independent validators (poppler's pdfsig and pyHanko's)."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import struct
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from asn1crypto import pem, x509
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfbase.ttfonts import TTFontFile

from xuedang.reports import signing
from xuedang.reports.pdf import ReportContent, render_report_pdf
from xuedang.reports.signing import DevCA, devca_ensure, is_dev_certificate
from xuedang.reports.tests.helpers import one_byte_changed, poppler, run

CODE = "A7KQ3M9XP2RT8VWC"
URL = f"https://xuedang.example.edu.cn/verify/{CODE}"


@pytest.fixture
def content(photo: bytes) -> ReportContent:
    return ReportContent(
        kind="credential",
        lang="zh",
        title="教育部学历证书电子注册备案表",
        code=CODE,
        verify_url=URL,
        valid_until=date(2027, 5, 25),
        updated_on=date(2026, 11, 25),
        photo=photo,
        fields=[
            ("姓名", "𠮷田 𡒄明"),
            ("性别", "男"),
            ("出生日期", "2001年03月14日"),
            ("证件号码", "110101********1234"),
            ("学校名称", "北京大学"),
            ("专业", "计算机科学与技术"),
            ("层次", "本科"),
            ("学制", "4年"),
            ("学习形式", "普通全日制"),
            ("入学日期", "2019年09月01日"),
            ("毕（结）业日期", "2023年06月30日"),
            ("毕（结）业", "毕业"),
            ("证书编号", "100011202305001234"),
            ("校（院）长姓名", "龚旗煌"),
        ],
    )


@pytest.fixture
def signed(content: ReportContent) -> bytes:
    return render_report_pdf(content)


def pyhanko_status(data: bytes, ca: DevCA):
    root = x509.Certificate.load(pem.unarmor(ca.ca_cert.read_bytes())[2])
    reader = PdfFileReader(io.BytesIO(data))
    [signature] = reader.embedded_signatures
    return signature, validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))


# --- Signature ------------------------------------------------------------------------------------


def test_pdfsig_reports_the_registry_signature_valid_over_the_whole_document(signed: bytes, tmp_path: Path) -> None:
    report = run("pdfsig", signed, tmp_path)
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    assert "Signature Type: ETSI.CAdES.detached" in report  # PAdES
    assert "xuedang registry (development)" in report


def test_pdfsig_reports_the_signature_broken_after_one_signed_byte_changes(signed: bytes, tmp_path: Path) -> None:
    report = run("pdfsig", one_byte_changed(signed), tmp_path)
    assert "Signature Validation: Digest Mismatch." in report
    assert "Signature is Valid" not in report


def test_pyhanko_validates_the_signature_against_the_dev_ca_as_trust_root(signed: bytes, signing_dev_ca: DevCA) -> None:
    signature, status = pyhanko_status(signed, signing_dev_ca)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.docmdp_level == MDPPerm.NO_CHANGES  # a certification signature: no later edits allowed
    assert status.coverage.name == "ENTIRE_FILE"


def test_pyhanko_finds_the_signature_broken_after_one_signed_byte_changes(signed: bytes, signing_dev_ca: DevCA) -> None:
    _signature, status = pyhanko_status(one_byte_changed(signed), signing_dev_ca)
    assert not status.intact
    assert not status.bottom_line


def test_a_signature_from_another_ca_is_not_trusted(signed: bytes, tmp_path: Path) -> None:
    stranger, _created = devca_ensure(tmp_path / "stranger")
    _signature, status = pyhanko_status(signed, stranger)
    assert status.intact
    assert not status.trusted


# --- Content ----------------------------------------------------------------------------------------


def test_pdftotext_gives_back_a_name_with_rare_characters_exactly(signed: bytes, tmp_path: Path) -> None:
    text = run("pdftotext", signed, tmp_path, "-enc", "UTF-8")
    assert "𠮷田 𡒄明" in text
    assert "\u20bb" not in text
    for expected in (
        "教育部学历证书电子注册备案表",
        "更新日期：2026年11月25日",
        f"在线验证码：{CODE}",
        "本报告在线验证有效期至：2027年05月25日",
        "100011202305001234",
        URL,
    ):
        assert expected in text.replace("\n", "")


def test_the_rare_characters_are_drawn_from_embedded_fallback_font_subsets(signed: bytes, tmp_path: Path) -> None:
    fonts = run("pdffonts", signed, tmp_path)
    rows = {line.split()[0].split("+")[1]: line.split() for line in fonts.splitlines()[2:]}
    assert {"HanaMinA", "HanaMinB", "UMingCN-0"} <= rows.keys()  # 𠮷 from HanaMinA, 𡒄 from HanaMinB
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows.values())  # embedded, subset, ToUnicode


def embedded_outline_sizes(data: bytes) -> dict[str, int]:
    """For each character the ToUnicode maps name, the byte size of its outline in the embedded subset."""
    reader = PdfFileReader(io.BytesIO(data))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    sizes = {}
    for font in page["/Resources"]["/Font"].get_object().values():
        font = font.get_object()
        subset = TTFontFile(io.BytesIO(font["/FontDescriptor"]["/FontFile2"].get_object().data))
        glyph_of = _format6_cmap(subset.get_table("cmap"))
        to_unicode = font["/ToUnicode"].get_object().data.decode("ascii")
        for code, utf16 in re.findall(r"<([0-9A-F]{2})> <((?:[0-9A-F]{4}){1,2})>", to_unicode):
            glyph = glyph_of.get(int(code, 16), 0)
            char = bytes.fromhex(utf16).decode("utf-16-be")
            sizes[char] = max(sizes.get(char, 0), subset.glyphPos[glyph + 1] - subset.glyphPos[glyph] if glyph else 0)
    return sizes


def _format6_cmap(table: bytes) -> dict[int, int]:
    """Code → glyph of the single format-6 subtable ReportLab writes into a subset (TrueType spec)."""
    (offset,) = struct.unpack(">L", table[8:12])
    fmt, _length, _language, first, count = struct.unpack(">5H", table[offset : offset + 10])
    assert fmt == 6
    glyphs = struct.unpack(f">{count}H", table[offset + 10 : offset + 10 + 2 * count])
    return {first + i: glyph for i, glyph in enumerate(glyphs)}


def test_the_embedded_subsets_hold_real_outlines_for_the_rare_characters(signed: bytes) -> None:
    sizes = embedded_outline_sizes(signed)
    # Bytes of TrueType outline (HanaMin builds some glyphs from components); an empty glyph has 0.
    # core/tests/test_pdf.py rasterises the same characters and checks they are really drawn.
    assert sizes["𠮷"] > 0
    assert sizes["𡒄"] > 0
    assert sizes["明"] > 0
    assert sizes[" "] == 0  # the check tells an empty glyph apart


def test_the_report_is_one_a4_page(signed: bytes, tmp_path: Path) -> None:
    info = run("pdfinfo", signed, tmp_path)
    assert re.search(r"Pages:\s+1\n", info)
    assert "595.276 x 841.89 pts (A4)" in info


def test_the_qr_code_decodes_to_the_verification_url(signed: bytes, tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(signed)
    subprocess.run(
        [poppler("pdftoppm"), "-r", "150", "-png", "-singlefile", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
    )
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("zbarimg (zbar-tools) is required in CI")
        pytest.skip("zbarimg (zbar-tools) is not installed")
    decoded = subprocess.run([zbarimg, "-q", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True)
    assert decoded.stdout.strip() == URL


def test_a_report_with_a_24kb_photo_stays_under_150kb(signed: bytes, photo: bytes) -> None:
    assert 15_000 < len(photo) < 30_000
    assert len(signed) < 150 * 1024


def test_the_english_report_translates_the_fixed_wording_and_dates(content: ReportContent, tmp_path: Path) -> None:
    english = dataclasses.replace(
        content,
        lang="en",
        title="Online Verification Report of Higher Education",
        fields=[
            ("Name", "𠮷田 𡒄明 (Jitian Zhouming)"),
            ("Gender", "Male"),
            ("Name of the president of the institution", "Gong Qihuang"),
        ],
    )
    text = run("pdftotext", render_report_pdf(english), tmp_path, "-enc", "UTF-8")
    assert "Updated: 25 November 2026" in text
    assert f"Online verification code: {CODE}" in text
    assert "Valid for online verification until 25 May 2027" in text
    assert "𠮷田 𡒄明 (Jitian Zhouming)" in text
    assert "\nName of the president of the institution\n" in text  # a long label stays one line, set smaller
    assert "在线验证码" not in text


def test_a_png_photo_and_a_report_without_photo_both_render(
    content: ReportContent, png_photo: bytes, tmp_path: Path
) -> None:
    for photo in (png_photo, None):
        data = render_report_pdf(dataclasses.replace(content, photo=photo))
        assert "Signature is Valid." in run("pdfsig", data, tmp_path)


def test_forty_fields_still_fit_on_one_page(content: ReportContent, tmp_path: Path) -> None:
    many = dataclasses.replace(content, fields=[(f"字段{i}", f"第{i}项的值") for i in range(40)])
    data = render_report_pdf(many)
    assert re.search(r"Pages:\s+1\n", run("pdfinfo", data, tmp_path))
    text = run("pdftotext", data, tmp_path, "-enc", "UTF-8")
    assert "第39项的值" in text
    assert CODE in text


def test_reports_rendered_in_parallel_threads_each_keep_their_own_text_and_signature(
    content: ReportContent, tmp_path: Path
) -> None:
    """gunicorn gthread workers share the fonts and the signer between threads."""
    reports = [
        dataclasses.replace(content, code=f"{CODE[:12]}{i:04d}", fields=[("姓名", f"𠮷{chr(0x4E00 + 7 * i)}")])
        for i in range(12)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outputs = list(pool.map(render_report_pdf, reports))
    for report, data in zip(reports, outputs, strict=True):
        text = run("pdftotext", data, tmp_path, "-enc", "UTF-8")
        assert report.fields[0][1] in text
        assert report.code in text
        assert "Signature is Valid." in run("pdfsig", data, tmp_path)


def test_an_unknown_kind_or_language_is_refused(content: ReportContent) -> None:
    with pytest.raises(ValueError, match="unknown report kind"):
        render_report_pdf(dataclasses.replace(content, lang="fr"))


# --- Keys and the development CA -----------------------------------------------------------------------


def test_production_refuses_to_sign_with_the_development_ca(settings, content: ReportContent) -> None:
    settings.DEBUG = False
    settings.SIGNING_ALLOW_DEV_CA = False
    with pytest.raises(ImproperlyConfigured, match="development CA"):
        render_report_pdf(content)


def test_development_signs_with_the_development_ca(settings, content: ReportContent, tmp_path: Path) -> None:
    settings.DEBUG = True
    settings.SIGNING_ALLOW_DEV_CA = False
    assert "Signature is Valid." in run("pdfsig", render_report_pdf(content), tmp_path)


def test_without_configured_files_the_dev_ca_in_data_dir_is_used_once_made(
    settings, content: ReportContent, tmp_path: Path
) -> None:
    settings.SIGNING_KEY_FILE = settings.SIGNING_CERT_FILE = settings.SIGNING_CHAIN_FILE = ""
    settings.DATA_DIR = tmp_path / "data"
    with pytest.raises(ImproperlyConfigured, match="signing_devca"):
        render_report_pdf(content)
    call_command("signing_devca", stdout=io.StringIO())
    assert "Signature is Valid." in run("pdfsig", render_report_pdf(content), tmp_path)
    assert (tmp_path / "data" / "signing-dev" / "registry-cert.pem").is_file()


def test_production_signs_with_a_configured_key_of_another_ca_protected_by_a_passphrase(
    settings, content: ReportContent, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with monkeypatch.context() as patch:  # a CA that is not the development one
        patch.setattr(signing, "DEV_CA_ORGANIZATION", "Example National Registry CA")
        production, _created = devca_ensure(tmp_path / "production")
    key = serialization.load_pem_private_key(production.key.read_bytes(), password=None)
    encrypted = tmp_path / "production" / "encrypted-key.pem"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"correct horse"),
        )
    )
    settings.DEBUG = False
    settings.SIGNING_ALLOW_DEV_CA = False
    settings.SIGNING_KEY_FILE, settings.SIGNING_CERT_FILE = str(encrypted), str(production.cert)
    settings.SIGNING_CHAIN_FILE, settings.SIGNING_KEY_PASSPHRASE = str(production.ca_cert), "correct horse"
    data = render_report_pdf(content)
    _signature, status = pyhanko_status(data, production)
    assert status.bottom_line
    assert "Example National Registry CA" in run("pdfsig", data, tmp_path)


def test_a_key_without_its_certificate_is_a_configuration_error(settings, content: ReportContent) -> None:
    settings.SIGNING_CERT_FILE = ""
    with pytest.raises(ImproperlyConfigured, match="SIGNING_CERT_FILE"):
        render_report_pdf(content)


def test_signing_devca_is_idempotent_and_keeps_keys_private(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("signing_devca", "--dir", str(tmp_path / "ca"), stdout=out)
    ca = DevCA(tmp_path / "ca")
    first = ca.cert.read_bytes()
    call_command("signing_devca", "--dir", str(tmp_path / "ca"), stdout=out)
    assert ca.cert.read_bytes() == first
    assert "created" in out.getvalue()
    assert "exists" in out.getvalue()
    assert ca.key.stat().st_mode & 0o777 == 0o600
    assert ca.ca_key.stat().st_mode & 0o777 == 0o600
    assert is_dev_certificate(pyca_x509.load_pem_x509_certificate(first))


def test_signing_devca_reissues_a_registry_certificate_near_expiry_from_the_same_ca(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, _created = devca_ensure(tmp_path / "ca")
    root, first = ca.ca_cert.read_bytes(), ca.cert.read_bytes()
    monkeypatch.setattr(signing, "_RENEW_BEFORE", timedelta(days=365 * 6))  # as if 5-year cert were near its end
    _ca, renewed = devca_ensure(tmp_path / "ca")
    assert renewed
    assert ca.ca_cert.read_bytes() == root
    assert ca.cert.read_bytes() != first
    new = pyca_x509.load_pem_x509_certificate(ca.cert.read_bytes())
    assert new.issuer == pyca_x509.load_pem_x509_certificate(root).subject
