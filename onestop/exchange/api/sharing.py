"""按需共享: a matter as each department may see it."""

from typing import Any

from onestop.cases.models import REASON_ANSWERS, Matter, Step

# 按需共享: what each department sees beyond the common fields.
PERSON_EXTRA = {
    "civil": {"phone", "address", "dibao_category"},
    "cdpf": {"phone", "address"},
    "medical": {"phone"},
    "hrss": {"phone"},
}
GUARDIAN_FIELDS = {
    "civil": {"kind", "name", "relation", "phone", "address"},
    "cdpf": {"kind", "name", "relation", "phone"},
}
ANSWER_FIELDS = {
    "civil": set(REASON_ANSWERS.values()),
    "medical": {"medical_bills"},
}


def _step_out(step: Step | None) -> dict[str, Any] | None:
    if step is None:
        return None
    return {
        "id": step.pk,
        "name": step.name,
        "unit": step.unit.name,
        "due_date": step.due_date,
        "assignee": step.assignee.display_name if step.assignee else None,
    }


def matter_out(matter: Matter, department: str, *, full_id: bool = False) -> dict[str, Any]:
    """The matter as ``department`` may see it; the ID number masked unless ``full_id``."""
    app = matter.application
    person = app.applicant
    extra = PERSON_EXTRA.get(department, set())
    applicant = {
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "id_number": person.id_number if full_id else person.id_number_masked,
        "hukou_region": person.hukou_region_id,
        "hukou_region_name": person.hukou_region.name,
        **{f: getattr(person, f) for f in extra},
    }
    guardian = None
    if app.representative_id and department in GUARDIAN_FIELDS:
        g = app.representative
        guardian = {f: getattr(g, f) for f in GUARDIAN_FIELDS[department]}
    active = next((s for s in matter.steps.all() if s.status == Step.Status.ACTIVE), None)
    return {
        "id": matter.pk,
        "tracking_no": app.tracking_no,
        "matter": matter.kind,
        "matter_name": matter.label,
        "status": matter.status,
        "status_label": matter.get_status_display(),
        "due_date": matter.due_date,
        "current_step": _step_out(active),
        "applicant": applicant,
        "guardian": guardian,
        "prescreen": matter.prescreen,
        "answers": {
            k: v for k, v in app.answers.items() if k in ANSWER_FIELDS.get(department, set())
        },
        "result": matter.result,
    }
