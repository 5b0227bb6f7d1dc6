from django.urls import path

from services.message import apis

urlpatterns = [
    path("messages/", apis.MessageListApi.as_view()),
    path("messages/<int:message_id>/", apis.MessageDetailApi.as_view()),
    path("messages/<int:message_id>/read/", apis.MessageReadApi.as_view()),
    path("inbox/", apis.InboxApi.as_view()),
    path("sent/", apis.SentApi.as_view()),
]
