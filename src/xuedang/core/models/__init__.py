from .audit import AuditEntry
from .codes import Code, DocumentType, HolidayCalendarDay

__all__ = ["AuditEntry", "Code", "DocumentType", "HolidayCalendarDay"]
