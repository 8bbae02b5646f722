from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac

from xuedang.core.fields import EncryptedTextField
from xuedang.core.masking import mask_document, mask_email, mask_phone
from xuedang.core.models import DocumentType
from xuedang.institutions.models import Role


class User(AbstractUser):
    """A login: a student, a verifier's organisation user, or a staff member.

    .. pii: real name, document number (encrypted, with a keyed digest), phone (encrypted,
       with a keyed digest), email.
    """

    real_name = models.CharField("姓名 / name", max_length=100, blank=True, default="")
    document_type = models.CharField(
        "证件类型 / document type",
        max_length=20,
        choices=DocumentType.choices,
        blank=True,
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
    # An email is a login name only once its owner followed the activation link.
    email_verified_at = models.DateTimeField("邮箱激活时间 / email activated at", null=True, blank=True)
    totp_secret = EncryptedTextField("动态口令密钥 / TOTP secret", blank=True, default="")
    totp_enabled_at = models.DateTimeField("两步验证启用 / two-factor enabled at", null=True, blank=True)
    # Bumped by "log out everywhere": every session signed with the old value stops working.
    session_epoch = models.PositiveIntegerField(default=0)
    cancellation_requested_at = models.DateTimeField("申请注销时间 / cancellation requested at", null=True, blank=True)
    deactivated_at = models.DateTimeField("停用时间 / deactivated at", null=True, blank=True)
    deactivated_reason = models.CharField(
        "停用原因 / why deactivated",
        max_length=20,
        blank=True,
        default="",
        choices=[
            ("cancelled", "本人注销 / cancelled by the owner"),
            ("appeal", "证件号申诉成立 / identity moved by an appeal"),
            ("staff", "工作人员离岗 / staff member deactivated"),
        ],
    )

    class Meta:
        verbose_name = "用户 / user"
        verbose_name_plural = "用户 / users"
        constraints = [
            models.UniqueConstraint(
                fields=["identity_digest"],
                condition=~models.Q(identity_digest=""),
                name="user_identity_unique",
            ),
            models.UniqueConstraint(
                fields=["phone_digest"],
                condition=~models.Q(phone_digest=""),
                name="user_phone_unique",
            ),
        ]

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django signs sessions with a hash of the password; the epoch joins it so that
        # "log out everywhere" ends every session without changing the password.
        return salted_hmac(
            "xuedang.accounts.User.session", f"{self.password}:{self.session_epoch}", secret=secret, algorithm="sha256"
        ).hexdigest()

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_email(self) -> str:
        return mask_email(self.email) if self.email else ""

    @property
    def masked_document(self) -> str:
        return mask_document(self.document_number)


class LoginEvent(models.Model):
    """One sign-in attempt on an existing account (login history page).

    .. pii: the account, the client IP address and browser description.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("设备 / device", max_length=200, blank=True, default="")
    succeeded = models.BooleanField("成功 / succeeded")
    detail = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "登录记录 / login event"
        verbose_name_plural = "登录记录 / login events"

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'failed'}"


class AccountSession(models.Model):
    """A signed-in session of an account, listed on the sessions page and ended from there.

    .. pii: the client IP address and browser description.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("设备 / device", max_length=200, blank=True, default="")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "会话 / session"
        verbose_name_plural = "会话 / sessions"

    def __str__(self) -> str:
        return f"{self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


class AppealState(models.TextChoices):
    DRAFT = "draft", "待提交 / not submitted"
    PENDING = "pending", "待审核 / awaiting review"
    APPROVED = "approved", "已通过 / approved"
    REJECTED = "rejected", "未通过 / rejected"
    WITHDRAWN = "withdrawn", "已撤回 / withdrawn"


class IdentityAppeal(models.Model):
    """证件号已被注册 — a newcomer claims an identity another account holds.

    The claimed number waits here (encrypted) until centre staff compare the photo of the
    person holding the document and decide.

    .. pii: name, document number (encrypted, with digest), a photo of a face and a document.
    """

    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals")
    real_name = models.CharField("姓名 / name", max_length=100)
    document_type = models.CharField("证件类型 / document type", max_length=20, choices=DocumentType.choices)
    document_number = EncryptedTextField("证件号码 / document number")
    identity_digest = models.CharField(max_length=64, db_index=True)
    photo = models.BinaryField(blank=True, default=b"")
    photo_content_type = models.CharField(max_length=20, blank=True, default="")
    statement = models.TextField("情况说明 / statement", blank=True, default="")
    state = models.CharField(max_length=10, choices=AppealState.choices, default=AppealState.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField("处理期限 / answer due", null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField("审核意见 / reason", blank=True, default="")

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = "证件号申诉 / identity appeal"
        verbose_name_plural = "证件号申诉 / identity appeals"
        constraints = [
            # One open appeal per appellant; decided ones stay for the record.
            models.UniqueConstraint(
                fields=["appellant"],
                condition=models.Q(state__in=["draft", "pending"]),
                name="appeal_one_open_per_appellant",
            ),
        ]

    def __str__(self) -> str:
        return f"appeal #{self.pk} {self.state}"

    @property
    def masked_document(self) -> str:
        return mask_document(self.document_number)


class IdentityChallenge(models.Model):
    """The questions an account answers before first opening its archive (身份核验).

    `options` holds the record asked about and each question's options, drawn once per identity
    and kept (decision 0017: fresh decoys would give the answer away as the one option every
    draw shares). `failures` counts wrong answers; the budget is the sum over every account
    that has held the identity, so a new account buys no more guesses. Holds the account link,
    the identity digest, institution codes, major names and years only.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_challenge")
    identity_digest = models.CharField(max_length=64, blank=True, default="", db_index=True)
    options = models.JSONField(default=dict)
    failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    passed_at = models.DateTimeField(null=True, blank=True)
    exhausted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"challenge for {self.user_id}"


class Notification(models.Model):
    """An in-app notice to a person (纠错进度, 图像校对 answers, 转学申请 steps): their inbox.
    SMS and email copies go through `accounts.notify`; this list is the record.

    .. pii: notices about a named student's records.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_idx")]
        verbose_name = "通知 / notification"
        verbose_name_plural = "通知 / notifications"
        db_table = "archive_notification"  # moved from archive with its rows (decision 0011)

    def __str__(self) -> str:
        return self.text


class RecoveryCode(models.Model):
    """A single-use code that stands in for the authenticator once (a lost phone).

    Holds only a keyed hash of the code; the codes are shown once, when issued.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "恢复码 / recovery code"
        verbose_name_plural = "恢复码 / recovery codes"

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"


class Invitation(models.Model):
    """An invitation to join as staff: the person, the scope and the roles, sent as a single-use
    link valid 72 hours (issue 13 item 2). `invited_by` empty means `xuedang bootstrap`.

    .. pii: the invitee's name, mobile (encrypted) and email. Only a SHA-256 of the link's token
       is stored; the link itself is sent once.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    real_name = models.CharField("姓名 / name", max_length=100)
    phone = EncryptedTextField("手机号 / mobile", blank=True, default="")
    email = models.EmailField("邮箱 / email", blank=True, default="")
    scope = models.CharField("范围 / scope", max_length=12)
    roles = models.JSONField("岗位 / roles", default=list)
    province_code = models.CharField("省份 / province", max_length=2, blank=True, default="")
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    delivered = models.BooleanField("已送达 / delivered", default=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "工作人员邀请 / staff invitation"
        verbose_name_plural = "工作人员邀请 / staff invitations"

    def __str__(self) -> str:
        return f"invitation #{self.pk} {self.scope} {','.join(self.roles)}"

    @property
    def role_labels(self) -> str:
        return "、".join(Role(role).label for role in self.roles if role in Role.values)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_email(self) -> str:
        return mask_email(self.email) if self.email else ""
