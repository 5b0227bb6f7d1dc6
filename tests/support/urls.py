"""Test-only URLs: the project's own, plus endpoints that echo or fail on purpose."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from platform_site.urls import urlpatterns as project_urls


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


urlpatterns = [
    path("api/v1/test/echo", Echo.as_view()),
    path("api/v1/test/boom", Boom.as_view()),
    *project_urls,
]
