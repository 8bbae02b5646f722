from django import template

from xuedang.core import masking

register = template.Library()
register.filter("mask_document", masking.mask_document)
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_email", masking.mask_email)
register.filter("mask_name", masking.mask_name)
