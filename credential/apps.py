from django.apps import AppConfig


class CredentialConfig(AppConfig):
    name = "credential"
    verbose_name = "Credential"
