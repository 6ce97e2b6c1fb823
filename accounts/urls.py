from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("groups/new/", views.new_group, name="new_group"),
    path("groups/<slug:slug>/claim/", views.claim, name="claim"),
    path("groups/<slug:slug>/edit/", views.edit, name="edit"),
    path("groups/<slug:slug>/saved/", views.saved, name="saved"),
    path("groups/<slug:slug>/history/", views.history, name="history"),
    path("groups/<slug:slug>/still-meeting/", views.confirm, name="confirm"),
    path("groups/<slug:slug>/invite/", views.invite, name="invite"),
    path("groups/<slug:slug>/leave/", views.leave, name="leave"),
    path("claims/<int:pk>/withdraw/", views.withdraw_claim, name="withdraw_claim"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("reminders/<str:action>/<str:token>/", views.reminder, name="reminder"),
    path("delete-account/", views.delete_account, name="delete_account"),
]
