"""Task API: one view per resource; the rules live in services, selectors, permissions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from services.base.concurrency import expected_version
from services.base.permissions import require
from services.base.schema import VERSION_PARAMETER, paginated
from services.base.views import ServiceAPIView, get_or_404
from services.task import permissions, selectors, services
from services.task.serializers import (
    CommentSerializer,
    TaskFilterSerializer,
    TaskSerializer,
    TaskUpdateSerializer,
    TransitionSerializer,
)


class TaskViewBase(ServiceAPIView):
    serializer_class = TaskSerializer

    def visible(self, request):
        return selectors.task_list(
            user=request.user, see_all=permissions.is_admin(request), filters={}
        )

    def task(self, request, task_id):
        return get_or_404(self.visible(request), pk=task_id)


class TaskListApi(TaskViewBase):
    @extend_schema(
        operation_id="task_tasks_list",
        parameters=[TaskFilterSerializer],
        responses=paginated(TaskSerializer),
    )
    def get(self, request):
        filters = TaskFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        tasks = selectors.task_list(
            user=request.user,
            see_all=permissions.is_admin(request),
            filters=filters.validated_data,
        )
        return self.paginate(request, tasks, TaskSerializer)

    @extend_schema(request=TaskSerializer, responses={201: TaskSerializer})
    def post(self, request):
        serializer = TaskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.task_create(creator=request.user, **serializer.validated_data)
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskDetailApi(TaskViewBase):
    @extend_schema(responses=TaskSerializer)
    def get(self, request, task_id):
        return Response(TaskSerializer(self.task(request, task_id)).data)

    @extend_schema(request=TaskUpdateSerializer, responses=TaskSerializer)
    def patch(self, request, task_id):
        task = self.task(request, task_id)
        serializer = TaskUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version")
        permissions.require_edit(request, task)
        task = services.task_update(task=task, version=version, changes=changes)
        return Response(TaskSerializer(task).data)

    @extend_schema(parameters=[VERSION_PARAMETER], responses={204: None})
    def delete(self, request, task_id):
        task = self.task(request, task_id)
        version = expected_version(request.query_params)
        permissions.require_edit(request, task)
        services.task_delete(task=task, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskTransitionApi(TaskViewBase):
    @extend_schema(request=TransitionSerializer, responses=TaskSerializer)
    def post(self, request, task_id):
        task = self.task(request, task_id)
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        permissions.require_transition(request, task)
        task = services.task_transition(task=task, **serializer.validated_data)
        return Response(TaskSerializer(task).data)


class TaskCommentsApi(TaskViewBase):
    @extend_schema(operation_id="task_comments_list", responses=paginated(CommentSerializer))
    def get(self, request, task_id):
        task = self.task(request, task_id)
        return self.paginate(request, selectors.comment_list(task=task), CommentSerializer)

    @extend_schema(request=CommentSerializer, responses={201: CommentSerializer})
    def post(self, request, task_id):
        task = self.task(request, task_id)
        require(request, permissions.CODE, "write")
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_add(
            task=task, author=request.user, body=serializer.validated_data["body"]
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
