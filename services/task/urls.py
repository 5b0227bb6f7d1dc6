from django.urls import path

from services.task import apis

urlpatterns = [
    path("tasks/", apis.TaskListApi.as_view()),
    path("tasks/<int:task_id>/", apis.TaskDetailApi.as_view()),
    path("tasks/<int:task_id>/transition/", apis.TaskTransitionApi.as_view()),
    path("tasks/<int:task_id>/comments/", apis.TaskCommentsApi.as_view()),
]
