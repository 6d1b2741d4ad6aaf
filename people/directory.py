"""The People pages: thin views over people.selectors and people.transitions."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from . import policy, second_factor, selectors, transitions
from .forms import InviteForm, RolesForm

User = get_user_model()


def _refused(request, exc, person=None):
    status = HTTPStatus.FORBIDDEN if isinstance(exc, PermissionDenied) else HTTPStatus.CONFLICT
    if getattr(exc, "code", None) in ("duplicate", "roles", "code"):
        status = HTTPStatus.BAD_REQUEST
    message = str(exc) if isinstance(exc, PermissionDenied) else " ".join(exc.messages)
    return render(
        request, "people/refused.html", {"message": message, "person": person}, status=status
    )


class AdminOnly:
    def dispatch(self, request, *args, **kwargs):
        if not policy.can_manage_people(request.user):
            raise PermissionDenied("Only administrators can manage people.")
        return super().dispatch(request, *args, **kwargs)


class PeopleListView(AdminOnly, ListView):
    template_name = "people/list.html"
    context_object_name = "people"
    paginate_by = 100

    def get_queryset(self):
        return selectors.people()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(invite_form=InviteForm(), **kwargs)
        context["admin_ids"] = policy.administrators(context["people"])
        return context


class PersonView(View):
    def get(self, request, pk: int):
        person = get_object_or_404(User.objects.prefetch_related("groups"), pk=pk)
        if not policy.can_see_person(person, request.user):
            raise PermissionDenied("Only administrators can see other people's pages.")
        roles = RolesForm(
            initial={"roles": [g.name for g in person.groups.all()],
                     "administrator": policy.is_administrator(person)}
        )  # fmt: skip
        has_device = second_factor.device_of(person) is not None
        context = {
            "person": person, "roles_form": roles, "has_second_factor": has_device,
            # An invited person without a password yet is a local account too.
            "local_account": policy.uses_local_password(person)
            or policy.awaits_first_password(person),
            "actions": policy.person_actions(person, request.user, has_second_factor=has_device),
            "is_administrator": policy.is_administrator(person),
            "events": person.person_events.select_related("actor")[:50],
            "is_self": policy.is_self(person, request.user),
        }  # fmt: skip
        return render(request, "people/person.html", context)


class MeView(View):
    """The signed-in person's own page (no id in the URL: the menu links here on cached pages)."""

    def get(self, request):
        return PersonView.as_view()(request, pk=request.user.pk)


class InviteView(View):
    http_method_names = ["post"]

    def post(self, request):
        if not policy.can_manage_people(request.user):
            raise PermissionDenied("Only administrators can invite people.")
        form = InviteForm(request.POST)
        if not form.is_valid():
            people = list(selectors.people()[:100])
            context = {"invite_form": form, "people": people}
            context["admin_ids"] = policy.administrators(people)
            return render(request, "people/list.html", context, status=HTTPStatus.BAD_REQUEST)
        try:
            person = transitions.person_invite(user=request.user, **form.cleaned_data)
        except (PermissionDenied, ValidationError) as exc:
            return _refused(request, exc)
        messages.success(
            request, f"Invited {person.email}: a link to set a password is on its way."
        )
        return redirect("people:person", pk=person.pk)


class PersonActionView(View):
    """POST: one transition on one person, then back to their page."""

    http_method_names = ["post"]
    action = ""

    def post(self, request, pk: int):
        person = get_object_or_404(User, pk=pk)
        try:
            if self.action == "roles":
                form = RolesForm(request.POST)
                if not form.is_valid():
                    raise ValidationError("Choose roles from the list.", code="roles")
                transitions.person_set_roles(person=person, user=request.user, **form.cleaned_data)
            elif self.action == "deactivate":
                transitions.person_deactivate(person=person, user=request.user)
            elif self.action == "reinvite":
                transitions.person_reinvite(person=person, user=request.user)
            else:
                transitions.person_reactivate(person=person, user=request.user)
        except (PermissionDenied, ValidationError) as exc:
            return _refused(request, exc, person)
        done = {"roles": "roles saved", "deactivate": "deactivated",
                "reactivate": "reactivated", "reinvite": "invitation sent again"}  # fmt: skip
        messages.success(request, f"{person.get_username()}: {done[self.action]}.")
        return redirect("people:person", pk=person.pk)


class WhoApprovesView(View):
    """Who approves revisions and who owns procedures: names only, for every reader."""

    def get(self, request):
        approvers, owners = selectors.approvers_and_owners()
        return render(request, "people/who.html", {"approvers": approvers, "owners": owners})
