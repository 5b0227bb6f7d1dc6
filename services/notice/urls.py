from django.urls import path

from services.notice import apis

urlpatterns = [
    path("notices/", apis.NoticeListApi.as_view()),
    path("notices/<int:notice_id>/", apis.NoticeDetailApi.as_view()),
    path("notices/<int:notice_id>/read/", apis.NoticeReadApi.as_view()),
]
