"""Signed report PDF benchmark (issue 6): time and size of one signed one-page report.

    python bench/pdf.py --n 200

Each PDF is a 《教育部学历证书电子注册备案表》 with 16 Chinese fields (a name with 𠮷 and 𡒄),
its own 16-character code and verification URL (so its own QR code) and its own ~24 KB JPEG
photo (so no cache helps), laid out and signed exactly as `render_report_pdf` does for a
download. Fonts are registered and the signing key loaded before timing (once per process
in the server too). Without configured signing files a development CA in a temporary
directory signs. The last line reads `pdf_median_ms=… pdf_kb=…`; bench/verify.py imports
`measure`.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuedang.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _ensure_signing_files() -> None:
    """Sign with the configured key, or with a throwaway development CA when none is configured."""
    from django.conf import settings

    from xuedang.reports.signing import devca_ensure

    if settings.SIGNING_KEY_FILE:
        return
    ca, _created = devca_ensure(Path(tempfile.mkdtemp(prefix="xuedang-bench-ca-")))
    settings.SIGNING_KEY_FILE, settings.SIGNING_CERT_FILE = str(ca.key), str(ca.cert)
    settings.SIGNING_CHAIN_FILE = str(ca.ca_cert)
    settings.SIGNING_ALLOW_DEV_CA = True


def _photo(rng: random.Random) -> bytes:
    """A 300×400 ID-photo-like JPEG of ~24 KB, different for every report."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 400), (rng.randrange(40, 90), 110, 190))
    draw = ImageDraw.Draw(image)
    draw.ellipse((80, 60, 220, 220), fill=(235, 200, 170))
    draw.rectangle((40, 232, 260, 400), fill=(30, 30, 40))
    for _ in range(4400):
        draw.point((rng.randrange(300), rng.randrange(400)), fill=(rng.randrange(256),) * 3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60)
    return out.getvalue()


def _content(rng: random.Random):
    from xuedang.reports.pdf import ReportContent

    code = "".join(rng.choice(ALPHABET) for _ in range(16))
    return ReportContent(
        kind="credential",
        lang="zh",
        title="教育部学历证书电子注册备案表",
        code=code,
        verify_url=f"https://xuedang.example.edu.cn/verify/{code}",
        valid_until=date(2027, 5, 25),
        updated_on=date(2026, 11, 25),
        photo=_photo(rng),
        fields=[
            ("姓名", "𠮷田 𡒄明"),
            ("性别", "男"),
            ("出生日期", "2001年03月14日"),
            ("证件号码", "110101********1234"),
            ("入学日期", "2019年09月01日"),
            ("毕（结）业日期", "2023年06月30日"),
            ("学校名称", "北京大学"),
            ("院系", "信息科学技术学院"),
            ("专业", "计算机科学与技术"),
            ("学制", "4年"),
            ("层次", "本科"),
            ("学历类别", "普通高等教育"),
            ("学习形式", "普通全日制"),
            ("毕（结）业", "毕业"),
            ("证书编号", "100011202305001234"),
            ("校（院）长姓名", "龚旗煌"),
        ],
    )


def measure(n: int = 200) -> tuple[float, float]:
    """(median ms per signed report PDF, median KB) over n reports, each with its own code and photo."""
    wall_ms, _cpu_ms, kb = measure_detail(n)
    return wall_ms, kb


def measure_detail(n: int) -> tuple[float, float, float]:
    """Median wall ms, median process-CPU ms (robust on a busy machine) and median KB per report."""
    _django()
    _ensure_signing_files()
    from xuedang.reports.pdf import render_report_pdf

    rng = random.Random(6)
    contents = [_content(rng) for _ in range(n)]
    render_report_pdf(_content(rng))  # fonts registered, key loaded, signature size learnt
    times, cpu_times, sizes = [], [], []
    for content in contents:
        start, cpu = time.perf_counter(), time.process_time()
        data = render_report_pdf(content)
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - cpu) * 1000)
        sizes.append(len(data) / 1024)
    return statistics.median(times), statistics.median(cpu_times), statistics.median(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    median_ms, cpu_ms, median_kb = measure_detail(args.n)
    print(f"{args.n} signed report PDFs, medians: {median_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU, {median_kb:.1f} KB")
    print(f"pdf_median_ms={median_ms:.1f} pdf_kb={median_kb:.1f}")


if __name__ == "__main__":
    main()
