"""学历照片 in bulk (issue 13 item 5): a ZIP of JPEG files, each named by the student's ID
number, 考生号 or student number. Every file is checked first (name, match, JPEG 480×640 within
40 KB, re-encoded without metadata); every bad file is listed with its reason and nothing is
written unless all pass."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from xuedang.core import crypto, validators
from xuedang.core.audit import audit_log
from xuedang.institutions.models import Institution
from xuedang.registry.models import Credential, CredentialState, Enrollment
from xuedang.registry.services.common import _fail
from xuedang.registry.services.credentials import PHOTO_MAX_BYTES, credential_update, photo_clean, photo_register

ZIP_MAX_BYTES = 200 * 1024 * 1024
ZIP_MAX_FILES = 20000
NAMES = "证件号码、考生号或学号 / ID number, candidate number or student number"


@dataclass(frozen=True)
class PhotoProblem:
    filename: str
    reason: str


class PhotoArchiveRefused(Exception):
    """Some files are bad: nothing was written; `problems` lists every one of them."""

    def __init__(self, problems: list[PhotoProblem]) -> None:
        super().__init__(f"{len(problems)} bad files")
        self.problems = problems


def _entries(data: bytes) -> list[zipfile.ZipInfo]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise _fail("archive", "文件不是有效的 ZIP 压缩包 / the file is not a ZIP archive") from error
    entries = [info for info in archive.infolist() if not info.is_dir() and not _hidden(info.filename)]
    if not entries:
        raise _fail("archive", "压缩包中没有照片 / the archive holds no photos")
    if len(entries) > ZIP_MAX_FILES:
        raise _fail("archive", f"一次最多 {ZIP_MAX_FILES} 张照片 / at most {ZIP_MAX_FILES} photos at a time")
    return entries


def _hidden(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def _finder(institution: Institution) -> Any:
    """Find a student of `institution` by the stem of a file name."""

    def find(stem: str) -> list[Enrollment]:
        scope = Enrollment.objects.filter(institution=institution)
        found = {e.pk: e for e in scope.filter(student_number=stem)}
        found |= {e.pk: e for e in scope.filter(exam_number=stem)} if stem else {}
        try:
            number = validators.normalize_resident_id(stem)
        except ValidationError:
            number = ""
        if number:
            digest = crypto.identity_digest("resident_id", number)
            found |= {e.pk: e for e in scope.filter(identity_digest=digest)}
        return list(found.values())

    return find


def _check(info: zipfile.ZipInfo, data: bytes, find: Any) -> tuple[Enrollment, bytes] | PhotoProblem:
    name = info.filename
    path = PurePosixPath(name)
    if path.suffix.lower() not in (".jpg", ".jpeg"):
        return PhotoProblem(name, "只接受 .jpg / .jpeg 文件 / only .jpg or .jpeg files")
    if info.file_size > PHOTO_MAX_BYTES:
        return PhotoProblem(name, f"文件大于 40 KB（{info.file_size // 1024} KB）/ larger than 40 KB")
    matches = find(path.stem.strip())
    if not matches:
        return PhotoProblem(name, f"文件名不是本校学生的{NAMES.split(' / ')[0]} / the name matches no student here")
    if len(matches) > 1:
        return PhotoProblem(
            name, "文件名对应多名学生，请改用学号命名 / the name matches several students; use student numbers"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(info) as member:
            clean = photo_clean(member.read(PHOTO_MAX_BYTES + 1))
    except ValidationError as error:
        return PhotoProblem(name, error.messages[0])
    return matches[0], clean


@transaction.atomic
def photos_register_archive(*, actor: Any, institution: Institution, data: bytes) -> int:
    """Register every graduation photo of the ZIP, or none: returns how many were registered,
    raises `PhotoArchiveRefused` listing every bad file."""
    if len(data) > ZIP_MAX_BYTES:
        raise _fail("archive", "压缩包不能超过 200 MB / the archive is larger than 200 MB")
    find = _finder(institution)
    good: dict[int, tuple[Enrollment, bytes, str]] = {}
    problems: list[PhotoProblem] = []
    for info in _entries(data):
        checked = _check(info, data, find)
        if isinstance(checked, PhotoProblem):
            problems.append(checked)
        elif checked[0].pk in good:
            problems.append(
                PhotoProblem(info.filename, f"与 {good[checked[0].pk][2]} 是同一名学生 / same student twice")
            )
        else:
            good[checked[0].pk] = (checked[0], checked[1], info.filename)
    if problems:
        raise PhotoArchiveRefused(problems)
    for enrollment, image, name in good.values():
        photo = photo_register(actor=actor, enrollment=enrollment, purpose="graduation", image=image)
        draft = Credential.objects.filter(enrollment=enrollment, state=CredentialState.DRAFT).first()
        if draft is not None:  # the credential waiting for its photo gets it
            credential_update(actor=actor, credential=draft, changes={"photo": photo}, reason=f"照片压缩包 {name}")
    audit_log(actor=actor, action="registry.photos.archive_registered", target=institution, after={"photos": len(good)})
    return len(good)
