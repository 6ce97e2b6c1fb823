from django.urls import path

from groups import feedback, views
from groups.directory import views as directory

app_name = "groups"

urlpatterns = [
    path("", directory.home, name="home"),
    path("groups/", directory.group_list, name="list"),
    path("groups/calendar.ics", directory.search_calendar, name="search_calendar"),
    path("groups/<slug:slug>/", views.group_detail, name="detail"),
    path("groups/<slug:slug>/calendar.ics", views.group_calendar, name="calendar"),
    path("groups/<slug:slug>/report/", feedback.report, name="report"),
    path("groups/<slug:slug>/report/thanks/", feedback.report_done, name="report_done"),
    path("groups/<slug:slug>/contact/", feedback.contact, name="contact"),
    path("groups/<slug:slug>/contact/thanks/", feedback.contact_done, name="contact_done"),
    path("regions/<slug:slug>/", directory.region, name="region"),
    path("types/<slug:slug>/", directory.group_type, name="type"),
    path("organizations/<slug:slug>/", views.organization, name="organization"),
]
