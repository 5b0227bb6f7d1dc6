"""A throwaway certificate authority and node certificates, for tests and `make cluster`.

Production nodes get their certificates from the company's CA (docs/DEPLOY.md); on
loopback the launcher makes its own: one CA per run directory, one ECDSA P-256
certificate per node naming the node (what HAProxy's check verifies), `localhost` and
127.0.0.1 (what clients connect to). Keys are written mode 600 and never leave the run
directory. Certificates are re-issued when they are about to expire.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 30
RENEW_WITHIN = datetime.timedelta(days=1)
CLIENT_NAMES = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class NodeCertificate:
    cert_file: Path
    key_file: Path


@dataclass(frozen=True)
class LocalCA:
    directory: Path

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def _key_file(self) -> Path:
        return self.directory / "ca.key"

    def ensure(self) -> Path:
        """The CA certificate, made now unless a valid one is already there."""
        if not _fresh(self.ca_file) or not self._key_file.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "platform local test CA")])
            builder = (
                _builder(name, name, key.public_key())
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(_usage(cert_sign=True), critical=True)
            )
            cert = builder.sign(key, hashes.SHA256())
            _write_key(self._key_file, key)
            self.ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            for stale in self.directory.glob("*.pem"):
                if stale != self.ca_file:
                    stale.unlink()  # signed by the CA just replaced
        return self.ca_file

    def node_certificate(self, name: str) -> NodeCertificate:
        """`name`'s certificate and key, issued by this CA (re-issued near expiry)."""
        self.ensure()
        cert_file, key_file = self.directory / f"{name}.pem", self.directory / f"{name}.key"
        if _fresh(cert_file) and key_file.exists():
            return NodeCertificate(cert_file, key_file)
        ca_cert = x509.load_pem_x509_certificate(self.ca_file.read_bytes())
        ca_key = serialization.load_pem_private_key(self._key_file.read_bytes(), password=None)
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        names = [x509.DNSName(name), x509.DNSName("localhost")]
        names += [x509.IPAddress(ipaddress.ip_address(a)) for a in CLIENT_NAMES[1:]]
        cert = (
            _builder(subject, ca_cert.subject, key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write_key(key_file, key)
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return NodeCertificate(cert_file, key_file)


def spki_sha256(cert_file: Path) -> str:
    """base64 SHA-256 of a certificate's public key (Chromium's --ignore-…-spki-list)."""
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    der = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def _builder(subject: x509.Name, issuer: x509.Name, public_key) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _fresh(cert_file: Path) -> bool:
    if not cert_file.exists():
        return False
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    return cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) > RENEW_WITHIN


def _write_key(path: Path, key) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
