from django.urls import path

from services.document import apis

urlpatterns = [
    path("files/", apis.FileListApi.as_view()),
    path("files/<int:file_id>/", apis.FileDetailApi.as_view()),
    path("files/<int:file_id>/versions/", apis.FileVersionsApi.as_view()),
    path(
        "files/<int:file_id>/versions/<int:number>/content/",
        apis.FileVersionContentApi.as_view(),
    ),
    path("files/<int:file_id>/shares/", apis.FileSharesApi.as_view()),
]
