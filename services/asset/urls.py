from django.urls import path

from services.asset import apis

urlpatterns = [
    path("assets/", apis.AssetListApi.as_view()),
    path("assets/<int:asset_id>/", apis.AssetDetailApi.as_view()),
    path("assets/<int:asset_id>/checkout/", apis.AssetCheckoutApi.as_view()),
    path("assets/<int:asset_id>/return/", apis.AssetReturnApi.as_view()),
]
