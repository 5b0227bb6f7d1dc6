from django.urls import path

from services.approval import apis

urlpatterns = [
    path("documents/", apis.DocumentListApi.as_view()),
    path("documents/<int:document_id>/", apis.DocumentDetailApi.as_view()),
    path("documents/<int:document_id>/approve/", apis.DocumentApproveApi.as_view()),
    path("documents/<int:document_id>/reject/", apis.DocumentRejectApi.as_view()),
    path("documents/<int:document_id>/withdraw/", apis.DocumentWithdrawApi.as_view()),
]
