"""What each 学籍异动 code means (issue 13 item 11): the state it moves the enrollment to, the
states it may start from and the fields it must carry. One table, read by the service, the form,
the 学籍异动 file and the API, so that 休学 cannot leave the state at 注册学籍 and 转专业 cannot
be recorded without the new major.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from xuedang.core import codetables
from xuedang.registry.models import EnrollmentState, Level
from xuedang.registry.services.common import _check_major_code, _fail

S = EnrollmentState
# A student taking classes (or registered late for the year) may change major, class, department…
STUDYING = (S.REGISTERED, S.DEFERRED)
ACTIVE = (S.REGISTERED, S.DEFERRED, S.SUSPENDED, S.RESERVED)

FIELD_LABELS = {
    "major_code": "新专业代码 / new major code",
    "major_name": "新专业名称 / new major",
    "department": "新院系 / new department",
    "class_name": "新班级 / new class",
    "expected_graduation_date": "新预计毕业日期 / new expected graduation",
    "level": "新层次 / new level",
}


@dataclass(frozen=True)
class ChangeRule:
    state: str | None = None  # the state the change moves the enrollment to
    from_states: tuple[str, ...] = STUDYING
    needs: tuple[str, ...] = ()  # fields the change must carry
    level_from: str | None = None  # 专升本, 硕转博…: the level before and after
    level_to: str | None = None
    graduation: str = ""  # "earlier" / "later": how the new expected graduation must move


CHANGE_RULES: dict[str, ChangeRule] = {
    "01": ChangeRule(state=S.RESERVED),  # 公派留学: the 学籍 is kept while abroad
    "02": ChangeRule(needs=("expected_graduation_date",), graduation="later"),  # 留级
    "03": ChangeRule(needs=("expected_graduation_date",), graduation="later"),  # 降级
    "04": ChangeRule(needs=("expected_graduation_date",), graduation="earlier"),  # 跳级
    "05": ChangeRule(),  # 试读
    "06": ChangeRule(needs=("expected_graduation_date",), graduation="later", from_states=ACTIVE),  # 延长年限
    "07": ChangeRule(),  # 试读通过
    "08": ChangeRule(state=S.REGISTERED, from_states=(S.RESERVED,)),  # 回国复学
    "11": ChangeRule(state=S.SUSPENDED),  # 休学
    "12": ChangeRule(state=S.REGISTERED, from_states=(S.SUSPENDED,)),  # 复学
    "13": ChangeRule(state=S.SUSPENDED),  # 停学
    "17": ChangeRule(state=S.REGISTERED, from_states=(S.RESERVED,)),  # 恢复学籍
    "19": ChangeRule(state=S.RESERVED, from_states=(S.REGISTERED, S.DEFERRED, S.SUSPENDED)),  # 保留学籍
    "23": ChangeRule(needs=("major_code", "major_name")),  # 转专业
    "24": ChangeRule(needs=("major_code", "major_name", "expected_graduation_date"), level_from="06", level_to="05"),
    "25": ChangeRule(needs=("major_code", "major_name", "expected_graduation_date"), level_from="05", level_to="06"),
    "26": ChangeRule(needs=("department",)),  # 转系
    "27": ChangeRule(needs=("expected_graduation_date",), level_from=Level.MASTER, level_to=Level.DOCTORATE),
    "28": ChangeRule(needs=("expected_graduation_date",), level_from=Level.DOCTORATE, level_to=Level.MASTER),
    "29": ChangeRule(needs=("class_name",)),  # 转班级
    "61": ChangeRule(needs=("expected_graduation_date",), graduation="earlier"),  # 提前毕业
    "63": ChangeRule(state=S.LEFT, from_states=ACTIVE),  # 肄业
    "64": ChangeRule(),  # 国内访学
    "65": ChangeRule(),  # 国内访学后返校
    "99": ChangeRule(from_states=ACTIVE),  # 其他
}
# Codes recorded by their own flows, never as a plain change (the form and file do not offer them).
ELSEWHERE = {
    "18": "学籍注销 / the cancellation page",
    "31": "学籍注销 / the cancellation page",
    "42": "学籍注销 / the cancellation page",
    "51": "学籍注销 / the cancellation page",
    "21": "转学申请 / the transfer request",
    "22": "转学申请 / the transfer request",
    "62": "学历发布（结业）/ publishing a completion credential",
    "14": "录取数据处理 / the admission page",
    "15": "录取数据处理 / the admission page",
    "16": "录取数据处理 / the admission page",
}
# The states the flows of ELSEWHERE move the enrollment to (`enrollments._flow_change_record`).
FLOW_STATES = {
    "18": S.REVOKED,
    "31": S.WITHDRAWN,
    "42": S.EXPELLED,
    "51": S.DECEASED,
    "21": S.TRANSFERRED_OUT,
    "62": S.COMPLETED,
}


def change_label(code: str) -> str:
    """The change in words: 「休学」, never 「11」."""
    return codetables.code_label("change_type", code) or code


def state_label(state: str) -> str:
    return S(state).label if state in S.values else state


def _present(changes: dict[str, Any], field: str) -> bool:
    return changes.get(field) not in (None, "")


def change_resolve(*, enrollment: Any, change_code: str, changes: dict[str, Any], flow: bool = False) -> dict[str, Any]:
    """The changes `change_code` makes to `enrollment`, its implied state and level included.

    Refuses a code used outside its flow, a start state the code does not apply to, a missing
    field the code needs, and a state that contradicts the code.
    """
    if change_code in ELSEWHERE and not flow:
        raise _fail(
            "change_code",
            f"“{change_label(change_code)}”请通过{ELSEWHERE[change_code]}办理，不能作为普通异动登记 / "
            f"this change is recorded by its own procedure",
            code="elsewhere",
        )
    if flow:
        return {**changes, **({"state": FLOW_STATES[change_code]} if change_code in FLOW_STATES else {})}
    rule = CHANGE_RULES[change_code]
    _check_from_state(enrollment, change_code, rule)
    resolved = {k: v for k, v in changes.items() if v not in (None, "")}
    _check_needs(change_code, rule, resolved)
    _check_state(change_code, rule, resolved)
    if rule.state:
        resolved["state"] = rule.state
    if rule.level_to:
        if enrollment.level != rule.level_from:
            raise _fail(
                "change_code",
                f"“{change_label(change_code)}”只适用于{Level(rule.level_from or '').label}学生 / "
                f"this change applies to a different level",
                code="wrong_level",
            )
        resolved["level"] = rule.level_to
    _check_graduation(enrollment, change_code, rule, resolved)
    if "major_code" in resolved:
        _check_major_code(resolved.get("level", enrollment.level), resolved["major_code"])
    return resolved


def _check_from_state(enrollment: Any, code: str, rule: ChangeRule) -> None:
    if enrollment.state in rule.from_states:
        return
    allowed = "、".join(state_label(s).split(" / ")[0] for s in rule.from_states)
    raise _fail(
        "change_code",
        f"学籍状态为“{state_label(enrollment.state).split(' / ')[0]}”，不能办理“{change_label(code)}”"
        f"（仅适用于：{allowed}）/ this change does not apply to an enrollment in state {enrollment.state}",
        code="wrong_state",
    )


def _check_needs(code: str, rule: ChangeRule, changes: dict[str, Any]) -> None:
    errors = {
        field: [
            ValidationError(
                f"“{change_label(code)}”须填写{FIELD_LABELS[field].split(' / ')[0]} / "
                f"this change needs the {FIELD_LABELS[field].split(' / ')[1]}",
                code="required",
            )
        ]
        for field in rule.needs
        if not _present(changes, field)
    }
    if errors:
        raise ValidationError(errors)


def _check_state(code: str, rule: ChangeRule, changes: dict[str, Any]) -> None:
    given = str(changes.get("state") or "")
    if given in ("", rule.state):
        return
    implied = state_label(rule.state).split(" / ")[0] if rule.state else "不变 / unchanged"
    raise _fail(
        "state",
        f"“{change_label(code)}”的学籍状态应为“{implied}”，不能设为“{state_label(given).split(' / ')[0]}” / "
        f"the state follows from the change code",
        code="state_mismatch",
    )


def _check_graduation(enrollment: Any, code: str, rule: ChangeRule, changes: dict[str, Any]) -> None:
    new: date | None = changes.get("expected_graduation_date")
    if new is None or not rule.graduation:
        return
    current = enrollment.expected_graduation_date
    if rule.graduation == "earlier" and not new < current:
        raise _fail(
            "expected_graduation_date",
            f"“{change_label(code)}”的新预计毕业日期须早于 {current} / the new date must be earlier",
        )
    if rule.graduation == "later" and not new > current:
        raise _fail(
            "expected_graduation_date",
            f"“{change_label(code)}”的新预计毕业日期须晚于 {current} / the new date must be later",
        )
