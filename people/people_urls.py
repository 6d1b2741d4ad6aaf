from django.urls import path

from . import directory, second_factor_views

app_name = "people"
urlpatterns = [
    path("people/", directory.PeopleListView.as_view(), name="list"),
    path("people/who/", directory.WhoApprovesView.as_view(), name="who"),
    path("people/me/", directory.MeView.as_view(), name="me"),
    path("people/invite/", directory.InviteView.as_view(), name="invite"),
    path("people/<int:pk>/", directory.PersonView.as_view(), name="person"),
    path(
        "people/<int:pk>/roles/", directory.PersonActionView.as_view(action="roles"), name="roles"
    ),
    path(
        "people/<int:pk>/deactivate/",
        directory.PersonActionView.as_view(action="deactivate"),
        name="deactivate",
    ),
    path(
        "people/<int:pk>/reinvite/",
        directory.PersonActionView.as_view(action="reinvite"),
        name="reinvite",
    ),
    path(
        "people/<int:pk>/reactivate/",
        directory.PersonActionView.as_view(action="reactivate"),
        name="reactivate",
    ),
]
urlpatterns += [
    path("people/me/second-factor/", second_factor_views.SecondFactorView.as_view(),
         name="second_factor"),
    path("people/me/second-factor/start/", second_factor_views.SecondFactorStartView.as_view(),
         name="second_factor_start"),
    path("people/me/second-factor/confirm/",
         second_factor_views.SecondFactorConfirmView.as_view(), name="second_factor_confirm"),
    path("people/me/second-factor/off/", second_factor_views.SecondFactorOffView.as_view(),
         name="second_factor_off"),
    path("people/<int:pk>/second-factor/reset/",
         second_factor_views.SecondFactorResetView.as_view(), name="second_factor_reset"),
]  # fmt: skip
