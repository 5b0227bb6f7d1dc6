from django.urls import path

from services.reservation import apis

urlpatterns = [
    path("rooms/", apis.RoomListApi.as_view()),
    path("rooms/<int:room_id>/", apis.RoomDetailApi.as_view()),
    path("bookings/", apis.BookingListApi.as_view()),
    path("bookings/<int:booking_id>/", apis.BookingDetailApi.as_view()),
    path("bookings/<int:booking_id>/cancel/", apis.BookingCancelApi.as_view()),
]
