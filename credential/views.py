"""Credential endpoints. Each view is glue: the logic lives in login/sessions/keys."""

from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.drf import error_response
from credential.grants import grants_payload
from credential.keys import keyring
from credential.login import login, user_payload
from credential.serializers import (
    LoggedOutSerializer,
    LoginResultSerializer,
    LoginSerializer,
    MeSerializer,
    PublicKeyListSerializer,
    SessionListSerializer,
    SessionSerializer,
)
from credential.sessions import session_revoke, sessions_active_for_user


class PublicKeyView(APIView):
    """The key list: plain JSON for anyone, before any session (docs/PROTOCOL.md §3)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    http_method_names = ("get",)

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)  # JSON, whatever Accept

    @extend_schema(
        operation_id="credential_public_key",
        responses=PublicKeyListSerializer,
        description="The server keys a client may encrypt its session key with, the primary "
        "first. Plain JSON outside the envelope, never cached: compute each fingerprint "
        "from `public_key_pem` and use only a key you trust (docs/PROTOCOL.md §3).",
    )
    def get(self, request):
        keys = [
            {
                "kid": key.kid,
                "alg": key.algorithm,
                "public_key_pem": key.public_key_pem,
                "fingerprint_sha256": key.fingerprint_sha256,
                "primary": key.is_primary,
            }
            for key in keyring.accepted()
        ]
        response = JsonResponse({"keys": keys})
        response["Cache-Control"] = "no-cache"
        return response


class LoginView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=LoginSerializer, responses=LoginResultSerializer)
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = login(
            username=data["username"],
            password=data["password"],
            client=data.get("client", {}),
            address=request.META.get("REMOTE_ADDR"),
            key=request.envelope.key,
        )
        if outcome.error is not None:
            return error_response(outcome.error, retry_after_seconds=outcome.retry_after)
        return Response(outcome.body)


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=LoggedOutSerializer)
    def post(self, request):
        session_revoke(request.credential.session, reason="logout")
        return Response({"code": "logged_out"})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        session = request.credential.session
        return Response(
            {
                "user": user_payload(request.user),
                "grants": grants_payload(request.user),
                "session": {
                    "id": str(session.pk),
                    "expires_at": session.expires_at,
                    "idle_expires_at": session.idle_expires_at,
                },
            }
        )


class SessionListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SessionListSerializer)
    def get(self, request):
        sessions = sessions_active_for_user(request.user)
        context = {"current_session_id": request.credential.session.pk}
        return Response({"results": SessionSerializer(sessions, many=True, context=context).data})


class SessionDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, session_id):
        match = [s for s in sessions_active_for_user(request.user) if s.pk == session_id]
        if not match:
            raise NotFound
        session_revoke(match[0], reason="ended_by_user", by=request.user)
        return Response(status=204)
