from django.urls import path

from credential import views

app_name = "credential"
urlpatterns = [
    path("public-key", views.PublicKeyView.as_view(), name="public-key"),
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", views.LogoutView.as_view(), name="logout"),
    path("me", views.MeView.as_view(), name="me"),
    path("sessions", views.SessionListView.as_view(), name="sessions"),
    path("sessions/<uuid:session_id>", views.SessionDetailView.as_view(), name="session"),
]
