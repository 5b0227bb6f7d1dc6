from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from services.asset.models import Asset, AssetState, Checkout
from services.base.serializers import COMMON_FIELDS, ServiceModelSerializer

User = get_user_model()


class AssetCheckoutSerializer(ServiceModelSerializer):
    class Meta:
        model = Checkout
        fields = (
            *COMMON_FIELDS,
            "asset",
            "holder",
            "checked_out_by",
            "checked_out_at",
            "returned_at",
            "returned_by",
        )
        read_only_fields = fields


class AssetSerializer(ServiceModelSerializer):
    """An asset with its whole checkout history, newest first."""

    checkouts = AssetCheckoutSerializer(many=True, read_only=True)

    class Meta:
        model = Asset
        fields = (*COMMON_FIELDS, "tag", "name", "category", "state", "holder", "checkouts")
        read_only_fields = (*COMMON_FIELDS, "state", "holder")


class AssetUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    tag = serializers.CharField(max_length=50, required=False)
    name = serializers.CharField(max_length=200, required=False)
    category = serializers.CharField(max_length=50, required=False)


class AssetLendSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), help_text="Who takes the asset."
    )


class AssetFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=AssetState.choices, required=False)
    category = serializers.CharField(max_length=50, required=False)
    holder = serializers.IntegerField(min_value=1, required=False)
    q = serializers.CharField(max_length=100, required=False, help_text="In tag or name.")
