"""What happened to people's accounts: one row per invitation, change of roles,
deactivation, reactivation and change of second factor, never deleted (people are never
deleted either)."""

from django.conf import settings
from django.db import models


class PersonEvent(models.Model):
    class Action(models.TextChoices):
        INVITED = "invited", "invited"
        ROLES_CHANGED = "roles_changed", "roles changed"
        DEACTIVATED = "deactivated", "deactivated"
        REACTIVATED = "reactivated", "reactivated"
        SECOND_FACTOR_ON = "second_factor_on", "second factor set up"
        SECOND_FACTOR_OFF = "second_factor_off", "second factor switched off"
        SECOND_FACTOR_RESET = "second_factor_reset", "second factor reset"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="person_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="person_events_done",
        null=True,
        blank=True,
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    detail = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person", "-at"], name="person_event_person_at")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    action__in=[
                        "invited",
                        "roles_changed",
                        "deactivated",
                        "reactivated",
                        "second_factor_on",
                        "second_factor_off",
                        "second_factor_reset",
                    ]
                ),
                name="person_event_action_known",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.action} at {self.at:%Y-%m-%d %H:%M}"


class DirectoryIdentity(models.Model):
    """Who a person is in the office's directory: the issuer's subject (`sub`, or Entra ID's
    `oid`) that signed them in, so a changed email address still finds the same person."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="directory_identities"
    )
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="directory_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} at {self.issuer}"
