from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xuedang.accounts"
    label = "accounts"
    verbose_name = "账号 / accounts"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from xuedang.accounts.backends import lockout_recorded

        def count_lockout(sender: object, request: object = None, username: str = "", **kwargs: object) -> None:
            # Axes also signals refusals during a lockout; only a fresh lockout counts.
            if getattr(request, "axes_failures_since_start", None):
                lockout_recorded(username)

        user_locked_out.connect(count_lockout, weak=False, dispatch_uid="xuedang.accounts.count_lockout")
