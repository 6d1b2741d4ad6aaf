from django.urls import path

from . import views

app_name = "checklists"
urlpatterns = [
    path("runs/", views.RunListView.as_view(), name="runs"),
    path("runs/mine/", views.MyRunsView.as_view(), name="my_runs"),
    path("runs/export.csv", views.RunCsvView.as_view(), name="runs_csv"),
    path("runs/start/<int:revision_id>/", views.RunStartView.as_view(), name="start"),
    path("runs/<int:pk>/", views.RunView.as_view(), name="run"),
    path("runs/<int:pk>/pdf/", views.RunPdfView.as_view(), name="run_pdf"),
    path("runs/<int:pk>/steps/<int:step_id>/", views.StepView.as_view(), name="step"),
    path("runs/<int:pk>/complete/", views.RunCompleteView.as_view(), name="complete"),
    path("runs/<int:pk>/abandon/", views.RunAbandonView.as_view(), name="abandon"),
    path("runs/<int:pk>/reopen/", views.RunReopenView.as_view(), name="reopen"),
    path("clients/", views.ClientListView.as_view(), name="clients"),
    path("clients/new/", views.ClientEditView.as_view(), name="client_add"),
    path("clients/<str:code>/", views.ClientView.as_view(), name="client"),
    path("clients/<str:code>/edit/", views.ClientEditView.as_view(), name="client_edit"),
    path("clients/<str:code>/archive/", views.ClientArchiveView.as_view(), name="client_archive"),
    path("schedules/new/", views.ScheduleEditView.as_view(), name="schedule_add"),
    path("schedules/<int:pk>/", views.ScheduleView.as_view(), name="schedule"),
    path("schedules/<int:pk>/edit/", views.ScheduleEditView.as_view(), name="schedule_edit"),
    path("schedules/<int:pk>/pause/", views.SchedulePauseView.as_view(), name="schedule_pause"),
    path("schedules/<int:pk>/resume/", views.ScheduleResumeView.as_view(), name="schedule_resume"),
    path("schedules/<int:pk>/end/", views.ScheduleEndView.as_view(), name="schedule_end"),
]
