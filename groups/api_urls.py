from django.urls import path

from groups.feeds import views

app_name = "api"

urlpatterns = [
    path("meeting-guide.json", views.meeting_guide_feed, name="meeting_guide"),
    path("hsds.json", views.hsds_feed, name="hsds"),
]
