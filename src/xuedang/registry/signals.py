"""Events the registry announces to the apps above it, which it may not import (decision 0011).

Sent inside the step's transaction, so a receiver's writes commit or roll back with the step.
Receivers call one service of their own app; the rules stay in the services.
"""

from django.dispatch import Signal

# A step was taken on a student's record that its holder should hear about (a transfer request
# filed, answered, decided, lapsed …). Keyword arguments: `record` (the registry row) and `text`
# ("中文 / English"). The archive tells the account the record is bound to, if any.
record_step = Signal()
