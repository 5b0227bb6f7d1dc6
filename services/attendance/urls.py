from django.urls import path

from services.attendance import apis

urlpatterns = [
    path("punches/", apis.PunchListApi.as_view()),
    path("summary/", apis.SummaryApi.as_view()),
    path("leave-requests/", apis.LeaveRequestListApi.as_view()),
    path("leave-requests/<int:leave_id>/approve/", apis.LeaveApproveApi.as_view()),
    path("leave-requests/<int:leave_id>/reject/", apis.LeaveRejectApi.as_view()),
]
