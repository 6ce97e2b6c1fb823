from django.urls import path

from groups import feedback, views

app_name = "groups"

urlpatterns = [
    path("", views.home, name="home"),
    path("groups/", views.group_list, name="list"),
    path("groups/calendar.ics", views.search_calendar, name="search_calendar"),
    path("groups/<slug:slug>/", views.group_detail, name="detail"),
    path("groups/<slug:slug>/calendar.ics", views.group_calendar, name="calendar"),
    path("groups/<slug:slug>/report/", feedback.report, name="report"),
    path("groups/<slug:slug>/report/thanks/", feedback.report_done, name="report_done"),
    path("groups/<slug:slug>/contact/", feedback.contact, name="contact"),
    path("groups/<slug:slug>/contact/thanks/", feedback.contact_done, name="contact_done"),
    path("regions/<slug:slug>/", views.region, name="region"),
    path("types/<slug:slug>/", views.group_type, name="type"),
    path("organizations/<slug:slug>/", views.organization, name="organization"),
]
