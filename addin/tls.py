"""A local certificate authority and a localhost certificate, for sideloading over HTTPS.

Office loads a task pane only over HTTPS, and the development manifests point at
``https://localhost:5000``. ``okr serve --https`` therefore needs a certificate for
localhost that the machine trusts. This module makes, once, in ``<instance>/tls/``:

- ``okr-local-ca.pem`` (+ ``okr-local-ca-key.pem``): a CA of this machine only, valid ten
  years; the README says how to trust it (it is the only file to import);
- ``localhost.pem`` (+ ``localhost-key.pem``): a server certificate for localhost,
  127.0.0.1 and ::1 signed by that CA, re-issued when it nears its end (browsers refuse
  server certificates valid longer than 398 days).

Nothing is downloaded; the keys never leave the folder (files readable by the owner only).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from addin.errors import OkrError

CA_NAME = "OKR Cadence local development CA"
CA_YEARS = 10
SERVER_DAYS = 397  # under the 398 days browsers accept for a server certificate
RENEW_BEFORE = dt.timedelta(days=30)
HOSTS = ("localhost",)
ADDRESSES = ("127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """The PEM files ``okr serve --https`` uses, and the CA to trust."""

    ca_cert: Path
    cert: Path
    key: Path


def ensure_localhost_certificate(instance_path: Path, *, now: dt.datetime | None = None) -> TlsFiles:
    """The localhost certificate in ``<instance>/tls/``: the CA made once, the server
    certificate made (or renewed) when missing, expiring within 30 days or not signed by it."""
    folder = Path(instance_path) / "tls"
    folder.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now(dt.UTC)
    files = TlsFiles(folder / "okr-local-ca.pem", folder / "localhost.pem", folder / "localhost-key.pem")
    ca_key_path = folder / "okr-local-ca-key.pem"
    try:
        if not (files.ca_cert.is_file() and ca_key_path.is_file()):
            _write_ca(files.ca_cert, ca_key_path, now)
        ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        if not isinstance(ca_key, ec.EllipticCurvePrivateKey):  # _write_ca writes an EC key
            raise TypeError(f"{ca_key_path.name} holds a {type(ca_key).__name__}, not the CA's EC key")
        if not _server_cert_is_good(files, ca_cert, now):
            _write_server_cert(files, ca_cert, ca_key, now)
    except (ValueError, TypeError) as exc:  # a damaged PEM file in the folder
        raise OkrError(
            f"The TLS files in {folder} cannot be read ({exc}); delete the folder to make "
            "new ones (and trust the new CA again).",
            code="tls_files_unreadable",
        ) from exc
    return files


def _write_ca(cert_path: Path, key_path: Path, now: dt.datetime) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OKR Cadence (this machine only)"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(
        key_path,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _server_cert_is_good(files: TlsFiles, ca_cert: x509.Certificate, now: dt.datetime) -> bool:
    if not (files.cert.is_file() and files.key.is_file()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    except ValueError:
        return False
    return cert.issuer == ca_cert.subject and cert.not_valid_after_utc - RENEW_BEFORE > now


def _write_server_cert(
    files: TlsFiles, ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, now: dt.datetime
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in HOSTS]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ADDRESSES]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(
        files.key,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_private(path: Path, data: bytes) -> None:
    """Write a private key readable by its owner only (created so, never widened)."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
