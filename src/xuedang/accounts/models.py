from django.contrib.auth.models import AbstractUser
from django.db import models

from xuedang.core.fields import EncryptedTextField


class DocumentType(models.TextChoices):
    """证件类型 — identity documents a person registers with."""

    RESIDENT_ID = "resident_id", "居民身份证 / Resident ID card"
    FOREIGN_PERMANENT = "foreign_permanent", "外国人永久居留身份证 / Foreign permanent residence ID"
    HMT_PERMIT = "hmt_permit", "港澳台居民居住证 / HK, Macao and Taiwan residence permit"
    PASSPORT = "passport", "护照 / Passport"


class User(AbstractUser):
    """A login: a student, a verifier's organisation user, or a staff member.

    .. pii: real name, document number (encrypted, with a keyed digest), phone (encrypted,
       with a keyed digest), email.
    """

    real_name = models.CharField("姓名 / name", max_length=100, blank=True, default="")
    document_type = models.CharField(
        "证件类型 / document type", max_length=20, choices=DocumentType.choices, blank=True,
        default="",
    )
    document_number = EncryptedTextField("证件号码 / document number", blank=True, default="")
    identity_digest = models.CharField(max_length=64, blank=True, default="", db_index=True)
    phone = EncryptedTextField("手机号 / mobile", blank=True, default="")
    phone_digest = models.CharField(max_length=64, blank=True, default="", db_index=True)
    real_name_verified_at = models.DateTimeField(null=True, blank=True)
    # When the account proved it belongs to the person behind the ID: a real-person check or
    # the identity challenge (accounts issue). Archive pages stay closed until then.
    identity_checked_at = models.DateTimeField("身份核验时间 / identity checked at", null=True, blank=True)

    class Meta:
        verbose_name = "用户 / user"
        verbose_name_plural = "用户 / users"
        constraints = [
            models.UniqueConstraint(
                fields=["identity_digest"], condition=~models.Q(identity_digest=""),
                name="user_identity_unique",
            ),
            models.UniqueConstraint(
                fields=["phone_digest"], condition=~models.Q(phone_digest=""),
                name="user_phone_unique",
            ),
        ]
