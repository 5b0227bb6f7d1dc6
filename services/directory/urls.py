from django.urls import path

from services.directory import apis

urlpatterns = [
    path("departments/", apis.DepartmentListApi.as_view()),
    path("departments/<int:department_id>/", apis.DepartmentDetailApi.as_view()),
    path("people/", apis.PersonListApi.as_view()),
    path("people/<int:person_id>/", apis.PersonDetailApi.as_view()),
]
