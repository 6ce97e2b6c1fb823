"""The moderation audit trail: one call per decision, from the service function that makes it."""

from groups.models import AuditEntry


def record(actor, action, target, reason=""):
    """Write who did `action` to `target` and why. `actor` may be None for automated decisions."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        reason=reason or "",
    )
