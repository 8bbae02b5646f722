from .audit import AuditEntry
from .codes import Code, HolidayCalendarDay

__all__ = ["AuditEntry", "Code", "HolidayCalendarDay"]
