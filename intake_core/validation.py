"""Checks a draft must pass before a case is registered; each failure names its field."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from intake_core.errors import ValidationFailed
from intake_core.model import IntakeDraft, TargetType
from intake_core.taxonomy import Category, Taxonomy


@dataclass(frozen=True, slots=True)
class Limits:
    description_max: int = 5000
    target_max: int = 2048
    evidence_max_items: int = 20
    evidence_max_bytes: int = 25 * 1024 * 1024


def validate_draft(draft: IntakeDraft, taxonomy: Taxonomy, limits: Limits) -> Category:
    category = taxonomy.get(draft.category)
    if category.kind != draft.kind:
        raise ValidationFailed(f"category '{category.code}' belongs to {category.kind.value}s, "
                               f"not {draft.kind.value}s", field="category")
    description = (draft.description or "").strip()
    if not description:
        raise ValidationFailed("a description is required", field="description")
    if len(description) > limits.description_max:
        raise ValidationFailed(f"the description is longer than {limits.description_max} characters",
                               field="description")
    if "target" in category.required and not (draft.target or "").strip():
        raise ValidationFailed(f"category '{category.code}' needs a target (URL, account or merchant)",
                               field="target")
    if draft.target and len(draft.target) > limits.target_max:
        raise ValidationFailed(f"the target is longer than {limits.target_max} characters", field="target")
    if draft.target and draft.target_type == TargetType.URL and not _is_web_url(draft.target):
        raise ValidationFailed("the target is not an http(s) URL", field="target")
    if "occurred_at" in category.required and draft.occurred_at is None:
        raise ValidationFailed(f"category '{category.code}' needs the time of occurrence", field="occurred_at")
    if draft.occurred_at is not None and draft.occurred_at.tzinfo is None:
        raise ValidationFailed("the time of occurrence needs a time zone offset", field="occurred_at")
    if "evidence" in category.required and not draft.evidence:
        raise ValidationFailed(f"category '{category.code}' needs evidence", field="evidence")
    if len(draft.evidence) > limits.evidence_max_items:
        raise ValidationFailed(f"at most {limits.evidence_max_items} evidence items", field="evidence")
    if any(item.size > limits.evidence_max_bytes for item in draft.evidence):
        raise ValidationFailed("an evidence item is larger than allowed", field="evidence")
    if draft.anonymous and not draft.identity.is_empty():
        raise ValidationFailed("an anonymous report carries no identity", field="identity")
    return category


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)
