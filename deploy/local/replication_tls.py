"""Certificates for replication TLS between local MariaDB servers (pyca/cryptography).

One throwaway CA per run directory and a server certificate per instance, valid for
127.0.0.1, so a replica can verify its peer (MASTER_SSL_VERIFY_SERVER_CERT=1) exactly as
on two hosts. Production certificates come from the operator's own CA (docs/DEPLOY.md).
"""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from deploy.mariadb_settings import ServerTLS

VALIDITY = datetime.timedelta(days=7)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(path: Path, key) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool, ip: str | None):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def ensure_ca(directory: Path) -> tuple[Path, Path]:
    """The run's CA certificate and key, made once."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "ca.pem", directory / "ca-key.pem"
    if not cert_path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name("platform local replication CA")
        cert = _certificate(name, name, key.public_key(), key, ca=True, ip=None)
        _write_key(key_path, key)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def server_tls(directory: Path, name: str, ip: str = "127.0.0.1") -> ServerTLS:
    """A certificate for server `name` at `ip`, signed by the run's CA."""
    ca_path, ca_key_path = ensure_ca(directory)
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}-key.pem"
    if not cert_path.exists():
        ca = x509.load_pem_x509_certificate(ca_path.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(_name(name), ca.subject, key.public_key(), ca_key, ca=False, ip=ip)
        _write_key(key_path, key)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return ServerTLS(ca=str(ca_path), cert=str(cert_path), key=str(key_path))
