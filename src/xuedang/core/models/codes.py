from django.db import models


class Code(models.Model):
    """One entry of a national code table (gender, ethnicity, provinces, levels …).

    Holds no personal data. Tables are loaded from `core/data/codes/*.csv` by migrations;
    `table` names the code table (e.g. ``ethnicity``), `parent` links a 专业类 to its 门类.
    """

    table = models.CharField(max_length=40)
    code = models.CharField(max_length=20)
    name_zh = models.CharField(max_length=100)
    name_en = models.CharField(max_length=200)
    parent = models.CharField(max_length=20, blank=True, default="")
    sort = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["table", "code"], name="code_unique")]
        ordering = ["table", "sort", "code"]

    def __str__(self) -> str:
        return f"{self.table}:{self.code} {self.name_zh}"


class HolidayCalendarDay(models.Model):
    """A day whose working status differs from the plain Monday–Friday rule.

    Holds no personal data. `is_workday` True marks a make-up working weekend day (调休);
    False marks an official holiday on a weekday. The centre maintains it; it is seeded
    from the `chinesecalendar` package for the years that package knows.
    """

    date = models.DateField(unique=True)
    is_workday = models.BooleanField()
    name = models.CharField(max_length=60, blank=True, default="")

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'} {self.name}"


class DocumentType(models.TextChoices):
    """证件类型 — identity documents a person registers with."""

    RESIDENT_ID = "resident_id", "居民身份证 / Resident ID card"
    FOREIGN_PERMANENT = "foreign_permanent", "外国人永久居留身份证 / Foreign permanent residence ID"
    HMT_PERMIT = "hmt_permit", "港澳台居民居住证 / HK, Macao and Taiwan residence permit"
    PASSPORT = "passport", "护照 / Passport"
    HK_MACAO_PERMIT = "hk_macao_permit", "港澳居民来往内地通行证 / Mainland travel permit for HK and Macao residents"
    TAIWAN_PERMIT = "taiwan_permit", "台湾居民来往大陆通行证 / Mainland travel permit for Taiwan residents"
