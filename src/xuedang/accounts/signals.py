"""Events of an account's life that the apps above accounts act on, which accounts may not
import (decision 0011).

Sent inside the step's transaction, so a receiver's writes commit or roll back with the step.
Receivers call one service of their own app; the rules stay in the services.
"""

from django.dispatch import Signal

# The account now holds a real-name identity nobody else holds (registered with it, or won it
# by an appeal). Keyword argument: `user`. The archive binds the records registered under it.
identity_confirmed = Signal()

# The account's login is going (注销, or an appeal gave its identity to someone else), before its
# identity is cleared. Keyword arguments: `user`, `reason`. The archive releases its records.
account_deactivating = Signal()
