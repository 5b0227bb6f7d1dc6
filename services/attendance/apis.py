"""Attendance API: one view per resource; the rules live in services, selectors, permissions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from services.attendance import permissions, selectors, services
from services.attendance.models import LeaveStatus
from services.attendance.serializers import (
    DailySummarySerializer,
    LeaveDecisionSerializer,
    LeaveFilterSerializer,
    LeaveRequestSerializer,
    PunchFilterSerializer,
    PunchSerializer,
    SummaryQuerySerializer,
)
from services.base.schema import paginated
from services.base.views import ServiceAPIView, get_or_404


class PunchListApi(ServiceAPIView):
    serializer_class = PunchSerializer

    @extend_schema(
        operation_id="attendance_punches_list",
        parameters=[PunchFilterSerializer],
        responses=paginated(PunchSerializer),
    )
    def get(self, request):
        """The caller's punches; an admin may name another person with `user`."""
        filters = PunchFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        user_id = filters.validated_data.get("user", request.user.pk)
        permissions.require_see(request, user_id, "sees punches")
        punches = selectors.punch_list(user_id=user_id, filters=filters.validated_data)
        return self.paginate(request, punches.order_by("-created_at", "-id"), PunchSerializer)

    @extend_schema(request=PunchSerializer, responses={201: PunchSerializer})
    def post(self, request):
        """Clock in or out now. Only an admin may name `user` (to record a missed punch)."""
        permissions.require_punch(request)
        serializer = PunchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        punch = services.punch_record(
            user=serializer.validated_data.get("user", request.user),
            kind=serializer.validated_data["kind"],
            recorded_by=request.user,
        )
        return Response(PunchSerializer(punch).data, status=status.HTTP_201_CREATED)


class SummaryApi(ServiceAPIView):
    serializer_class = DailySummarySerializer

    @extend_schema(
        operation_id="attendance_summary_list",
        parameters=[SummaryQuerySerializer],
        responses=paginated(DailySummarySerializer),
    )
    def get(self, request):
        """One day's summary: the caller's; an admin names `user`, or omits it for everyone."""
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user_id = query.validated_data.get("user")
        permissions.require_see(request, user_id, "sees a summary")
        if user_id is None and not permissions.is_admin(request):
            user_id = request.user.pk
        summaries = selectors.daily_summaries(day=query.validated_data["date"], user_id=user_id)
        return self.paginate(request, summaries, DailySummarySerializer)


class LeaveRequestListApi(ServiceAPIView):
    serializer_class = LeaveRequestSerializer

    @extend_schema(
        operation_id="attendance_leave_requests_list",
        parameters=[LeaveFilterSerializer],
        responses=paginated(LeaveRequestSerializer),
    )
    def get(self, request):
        filters = LeaveFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        requests = selectors.leave_request_list(
            user=request.user,
            see_all=permissions.is_admin(request),
            filters=filters.validated_data,
        )
        return self.paginate(request, requests, LeaveRequestSerializer)

    @extend_schema(request=LeaveRequestSerializer, responses={201: LeaveRequestSerializer})
    def post(self, request):
        serializer = LeaveRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        leave = services.leave_request_create(user=request.user, **serializer.validated_data)
        return Response(LeaveRequestSerializer(leave).data, status=status.HTTP_201_CREATED)


class LeaveDecisionApi(ServiceAPIView):
    serializer_class = LeaveRequestSerializer
    outcome = LeaveStatus.APPROVED

    @extend_schema(request=LeaveDecisionSerializer, responses=LeaveRequestSerializer)
    def post(self, request, leave_id):
        visible = selectors.leave_request_list(
            user=request.user, see_all=permissions.is_admin(request), filters={}
        )
        leave = get_or_404(visible, pk=leave_id)
        serializer = LeaveDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        permissions.require_decide(request, leave)
        leave = services.leave_request_decide(
            leave_request=leave,
            version=serializer.validated_data["version"],
            outcome=self.outcome,
            decided_by=request.user,
        )
        return Response(LeaveRequestSerializer(leave).data)


class LeaveApproveApi(LeaveDecisionApi):
    outcome = LeaveStatus.APPROVED


class LeaveRejectApi(LeaveDecisionApi):
    outcome = LeaveStatus.REJECTED
