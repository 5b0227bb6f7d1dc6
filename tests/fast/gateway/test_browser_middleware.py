"""Django's browser middleware stands aside for sealed requests, and only for them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessages
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessions
from django.http import HttpResponse
from django.test import RequestFactory

from gateway import browser_middleware


def _through_all_three(request):
    chain = lambda request: HttpResponse("ok")  # noqa: E731 - the view at the bottom
    for middleware in (
        browser_middleware.MessageMiddleware,
        browser_middleware.AuthenticationMiddleware,
        browser_middleware.SessionMiddleware,
    ):
        chain = middleware(chain)
    return chain(request)


@pytest.mark.django_db
def test_a_browser_request_meets_sessions_users_and_messages_as_before():
    request = RequestFactory().get("/admin/")
    assert _through_all_three(request).status_code == 200
    assert hasattr(request, "session") and hasattr(request, "user")
    assert hasattr(request, "_messages")


def test_a_sealed_request_passes_them_by():
    request = RequestFactory().get("/api/v1/task/tasks/")
    request.envelope = object()  # what the envelope middleware sets once it opened one
    assert _through_all_three(request).content == b"ok"
    assert not hasattr(request, "session") and not hasattr(request, "user")
    assert not hasattr(request, "_messages")


def test_the_node_runs_them_in_place_of_djangos_and_they_still_are_djangos():
    wrapped = {
        "gateway.browser_middleware.SessionMiddleware": DjangoSessions,
        "gateway.browser_middleware.AuthenticationMiddleware": DjangoAuthentication,
        "gateway.browser_middleware.MessageMiddleware": DjangoMessages,
    }
    assert set(wrapped) <= set(settings.MIDDLEWARE)
    for path, django_class in wrapped.items():
        assert issubclass(getattr(browser_middleware, path.rsplit(".", 1)[1]), django_class)
    # CSRF's stays Django's own, by name, for `check --deploy`.
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
