"""`{{ value|code:"table" }}`: a national code shown as its words (issue 19 item 6), 中文 with the
English name beside it; an unknown code stays as it is (the record keeps what the school sent)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from xuedang.core.codetables import code_label

register = template.Library()


@register.filter
def code(value: object, table: str) -> SafeString | object:
    text = "" if value is None else str(value)
    zh, en = code_label(table, text), code_label(table, text, lang="en")
    if zh == text:
        return value
    return format_html('{} <span class="en">{}</span>', zh, en)
