"""Asset API: the register (admin), lending and taking back (`write`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from services.asset import permissions, selectors, services
from services.asset.serializers import (
    AssetFilterSerializer,
    AssetLendSerializer,
    AssetSerializer,
    AssetUpdateSerializer,
)
from services.base.concurrency import expected_version
from services.base.schema import VERSION_PARAMETER, paginated
from services.base.views import ServiceAPIView, get_or_404


class AssetViewBase(ServiceAPIView):
    serializer_class = AssetSerializer

    def asset(self, asset_id):
        return get_or_404(selectors.asset_list(filters={}), pk=asset_id)


class AssetListApi(AssetViewBase):
    @extend_schema(
        operation_id="asset_assets_list",
        parameters=[AssetFilterSerializer],
        responses=paginated(AssetSerializer),
    )
    def get(self, request):
        filters = AssetFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        assets = selectors.asset_list(filters=filters.validated_data)
        return self.paginate(request, assets, AssetSerializer)

    @extend_schema(request=AssetSerializer, responses={201: AssetSerializer})
    def post(self, request):
        permissions.require_manage(request)
        serializer = AssetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asset = services.asset_register(**serializer.validated_data)
        return Response(AssetSerializer(asset).data, status=status.HTTP_201_CREATED)


class AssetDetailApi(AssetViewBase):
    @extend_schema(responses=AssetSerializer)
    def get(self, request, asset_id):
        return Response(AssetSerializer(self.asset(asset_id)).data)

    @extend_schema(request=AssetUpdateSerializer, responses=AssetSerializer)
    def patch(self, request, asset_id):
        asset = self.asset(asset_id)
        permissions.require_manage(request)
        serializer = AssetUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version")
        services.asset_update(asset=asset, version=version, changes=changes)
        return Response(AssetSerializer(self.asset(asset_id)).data)

    @extend_schema(
        parameters=[VERSION_PARAMETER],
        responses=AssetSerializer,
        description="Retire the asset: it stays in the register, in state `retired`.",
    )
    def delete(self, request, asset_id):
        asset = self.asset(asset_id)
        permissions.require_manage(request)
        version = expected_version(request.query_params)
        services.asset_retire(asset=asset, version=version)
        return Response(AssetSerializer(self.asset(asset_id)).data)


class AssetCheckoutApi(AssetViewBase):
    @extend_schema(request=AssetLendSerializer, responses=AssetSerializer)
    def post(self, request, asset_id):
        asset = self.asset(asset_id)
        serializer = AssetLendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.asset_check_out(
            asset=asset, holder=serializer.validated_data["user"], by=request.user
        )
        return Response(AssetSerializer(self.asset(asset_id)).data)


class AssetReturnApi(AssetViewBase):
    @extend_schema(request=None, responses=AssetSerializer)
    def post(self, request, asset_id):
        services.asset_return(asset=self.asset(asset_id), by=request.user)
        return Response(AssetSerializer(self.asset(asset_id)).data)
