from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "compliance"
    verbose_name = "Owners, review cycles and read acknowledgements"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed

        from people.signals import groups_changed
        from procedures.caching import pages
        from procedures.workflow.effects import revision_published

        from . import effects, transitions
        from .templatetags import compliance as tags

        # A minor change carries acknowledgements forward, in the approving transaction.
        def carry(*, procedure, revision, previous, **kwargs):
            transitions.acknowledgements_carry(
                procedure=procedure, revision=revision, previous=previous
            )

        revision_published.connect(carry, weak=False, dispatch_uid="compliance_carry")

        def roles(*, person, joined, left, **kwargs):
            effects.record_memberships(person_id=person.pk, joined=joined, left=left)

        groups_changed.connect(roles, weak=False, dispatch_uid="compliance_memberships")
        # The safety net for the admin (and any other groups.add/remove/set).
        m2m_changed.connect(
            membership_changed, sender=get_user_model().groups.through, weak=False,
            dispatch_uid="compliance_memberships_m2m",
        )  # fmt: skip
        # The per-person parts of the readers' shared cached pages.
        pages.register_slot("ack", tags.acknowledgement_slot)
        pages.register_slot("to_read", tags.to_read_slot)


def membership_changed(*, instance, action, reverse, pk_set, model, **kwargs):
    """Record joins and leaves made through `user.groups` or `group.user_set` (the admin)."""
    from . import effects

    if action == "pre_clear":
        # Which groups are about to go: pk_set is None for a clear.
        instance._sop_cleared = (
            set(instance.user_set.values_list("pk", flat=True))
            if reverse
            else set(instance.groups.values_list("pk", flat=True))
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    pks = set(pk_set or ()) if action != "post_clear" else getattr(instance, "_sop_cleared", set())
    key = "joined" if action == "post_add" else "left"
    if reverse:  # instance is a group; pk_set are people
        for person_id in pks:
            effects.record_memberships(person_id=person_id, **{key: [instance.pk]})
    else:
        effects.record_memberships(person_id=instance.pk, **{key: pks})
