"""A test-only service, routed as `test`: endpoints that echo, fail, or run long on purpose."""

from django.db import connection
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView


class Echo(APIView):
    def get(self, request):
        return Response({"query": {k: request.GET.getlist(k) for k in request.GET}})

    def delete(self, request):
        return self.get(request)

    def post(self, request):
        return Response({"data": request.data, "query": dict(request.GET)})


class Boom(APIView):
    def get(self, request):
        raise RuntimeError("a bug in a service")

    def post(self, request):
        from services.task.models import Task

        Task.objects.create(title="half-written", creator=request.user)
        raise RuntimeError("a bug after a write")


class Slow(APIView):
    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT SLEEP(%s)", [float(request.GET.get("seconds", "5"))])
        return Response({"code": "finished"})


urlpatterns = [
    path("echo", Echo.as_view()),
    path("boom", Boom.as_view()),
    path("slow", Slow.as_view()),
]
