"""The two baselines the gateway is measured against, serving the same task JSON.

(a) `bare_task`: a plain Django view, no authentication: the ceiling of this stack.
(b) `DrfTaskView`: what a team would build without the platform: DRF with
    TokenAuthentication, the caller's visible tasks (the same selector the task
    service uses), the same serializer and renderer.
The gateway's GET /api/v1/task/tasks/{id}/ answers the same bytes inside its envelope;
bench/scenarios.py checks that the three bodies are equal before measuring.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from services.base.views import get_or_404
from services.task import selectors
from services.task.models import Task
from services.task.serializers import TaskSerializer


def bare_task(request, task_id: int) -> HttpResponse:
    try:
        task = Task.objects.select_related("creator", "assignee").get(pk=task_id)
    except Task.DoesNotExist:
        raise Http404 from None
    body = JSONRenderer().render(TaskSerializer(task).data)
    return HttpResponse(body, content_type="application/json")


class DrfTaskView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]

    def get(self, request, task_id: int) -> Response:
        tasks = selectors.task_list(user=request.user, see_all=False, filters={})
        return Response(TaskSerializer(get_or_404(tasks, pk=task_id)).data)
