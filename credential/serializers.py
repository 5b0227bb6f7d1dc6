from rest_framework import serializers


class ClientInfoSerializer(serializers.Serializer):
    app = serializers.CharField(max_length=100, required=False, allow_blank=True)
    version = serializers.CharField(max_length=50, required=False, allow_blank=True)
    machine = serializers.CharField(max_length=100, required=False, allow_blank=True)


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)
    client = ClientInfoSerializer(required=False)


class SessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    idle_timeout_seconds = serializers.IntegerField()
    client_app = serializers.CharField()
    client_version = serializers.CharField()
    client_machine = serializers.CharField()
    client_address = serializers.IPAddressField(allow_null=True)
    current = serializers.SerializerMethodField()

    def get_current(self, session) -> bool:
        return session.pk == self.context["current_session_id"]


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    groups = serializers.ListField(child=serializers.CharField())


GRANTS_FIELD = serializers.DictField(
    child=serializers.ListField(child=serializers.ChoiceField(choices=["read", "write", "admin"]))
)


class LoginResultSerializer(serializers.Serializer):
    session_id = serializers.CharField()
    expires_at = serializers.DateTimeField()
    idle_timeout_seconds = serializers.IntegerField()
    node = serializers.CharField()
    user = UserSerializer()
    grants = GRANTS_FIELD


class MeSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    expires_at = serializers.DateTimeField()
    idle_expires_at = serializers.DateTimeField()


class MeSerializer(serializers.Serializer):
    user = UserSerializer()
    grants = GRANTS_FIELD
    session = MeSessionSerializer()


class LoggedOutSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="`logged_out`: the session has ended.")


class SessionListSerializer(serializers.Serializer):
    results = SessionSerializer(many=True)


class PublicKeySerializer(serializers.Serializer):
    kid = serializers.CharField(help_text="The key's id, sent back as `X-Key-Id` at login.")
    alg = serializers.CharField(help_text="`RSA-OAEP-256`; skip an entry with any other value.")
    public_key_pem = serializers.CharField(help_text="SubjectPublicKeyInfo as PEM.")
    fingerprint_sha256 = serializers.CharField(
        help_text="Hex SHA-256 of the DER key; compute it yourself, never trust this copy."
    )
    primary = serializers.BooleanField(help_text="The key to use; exactly one is primary.")


class PublicKeyListSerializer(serializers.Serializer):
    keys = PublicKeySerializer(many=True)
