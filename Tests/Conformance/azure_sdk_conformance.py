"""Conformance of keyvault-emulator with the official Azure SDK for Python (azure-keyvault-secrets).

Drives SecretClient over HTTPS against a running emulator, the way an application would, and
asserts what the SDK returns. Usage:

    python azure_sdk_conformance.py --url https://127.0.0.1:4997 --ca /path/to/ca.pem

Prints one line per check and a closing 'N passed, N failed' line; exits non-zero on any failure.
"""
import argparse
import json
import sys
import time
import traceback
import urllib.request
import ssl
import uuid

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.secrets import SecretClient


class EmulatorCredential:
    """Gets tokens from the emulator's GET /token endpoint, as the SDK's credentials would from Entra ID."""

    def __init__(self, url, context):
        self.url = url
        self.context = context
        self.requests = 0

    def get_token(self, *scopes, **kwargs):
        self.requests += 1
        with urllib.request.urlopen(self.url + "/token", context=self.context) as response:
            body = json.load(response)
        return AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))

    def get_token_info(self, *scopes, options=None):
        return self.get_token(*scopes)


CHECKS = []


def check(function):
    CHECKS.append(function)
    return function


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@check
def set_and_get_round_trip(client, credential):
    name = unique("roundtrip")
    created = client.set_secret(name, "value-1", content_type="text/plain", tags={"team": "iot"})
    assert created.name == name and created.value == "value-1", created
    assert created.properties.content_type == "text/plain"
    assert created.properties.tags == {"team": "iot"}
    assert created.properties.enabled is True
    assert len(created.properties.version) == 32
    assert created.properties.recovery_level == "Recoverable+Purgeable"
    got = client.get_secret(name)
    assert got.value == "value-1" and got.properties.version == created.properties.version
    assert credential.requests >= 1, "the SDK never asked for a token: the challenge was not sent"


@check
def names_are_case_insensitive(client, credential):
    name = unique("CaseName")
    client.set_secret(name, "v")
    assert client.get_secret(name.lower()).value == "v"
    assert client.get_secret(name.upper()).value == "v"


@check
def versions_and_specific_version(client, credential):
    name = unique("versions")
    first = client.set_secret(name, "one")
    second = client.set_secret(name, "two")
    assert client.get_secret(name).value == "two"
    assert client.get_secret(name, first.properties.version).value == "one"
    versions = {p.version for p in client.list_properties_of_secret_versions(name)}
    assert versions == {first.properties.version, second.properties.version}, versions


@check
def update_properties(client, credential):
    name = unique("update")
    client.set_secret(name, "v")
    expires = time.time() + 86400 * 30
    from datetime import datetime, timezone
    updated = client.update_secret_properties(
        name, content_type="application/json", tags={"a": "1"},
        expires_on=datetime.fromtimestamp(int(expires), timezone.utc))
    assert updated.content_type == "application/json" and updated.tags == {"a": "1"}
    assert int(updated.expires_on.timestamp()) == int(expires)
    got = client.get_secret(name)
    assert got.value == "v" and got.properties.content_type == "application/json"


@check
def list_pages_through_more_than_25(client, credential):
    prefix = unique("page")
    names = {f"{prefix}-{i:02d}" for i in range(30)}
    for name in names:
        client.set_secret(name, "x")
    listed = {p.name for p in client.list_properties_of_secrets(max_page_size=7) if p.name.startswith(prefix)}
    assert listed == names, len(listed)
    pages = list(client.list_properties_of_secrets().by_page())
    assert len(pages) >= 2


@check
def delete_recover_purge(client, credential):
    name = unique("lifecycle")
    client.set_secret(name, "v")
    deleted = client.begin_delete_secret(name).result()
    assert deleted.name == name and deleted.recovery_id.endswith("/deletedsecrets/" + name)
    assert deleted.deleted_date is not None and deleted.scheduled_purge_date is not None
    assert client.get_deleted_secret(name).name == name
    assert name in {d.name for d in client.list_deleted_secrets()}
    try:
        client.get_secret(name)
        raise AssertionError("a deleted secret was readable")
    except ResourceNotFoundError:
        pass
    recovered = client.begin_recover_deleted_secret(name).result()
    assert recovered.name == name
    assert client.get_secret(name).value == "v"
    client.begin_delete_secret(name).result()
    client.purge_deleted_secret(name)
    try:
        client.get_deleted_secret(name)
        raise AssertionError("a purged secret is still deleted-but-recoverable")
    except ResourceNotFoundError:
        pass


@check
def set_on_soft_deleted_name_conflicts(client, credential):
    name = unique("conflict")
    client.set_secret(name, "v")
    client.begin_delete_secret(name).result()
    try:
        client.set_secret(name, "again")
        raise AssertionError("PUT on a soft-deleted name succeeded")
    except ResourceExistsError as error:
        assert error.status_code == 409
        assert "ObjectIsDeletedButRecoverable" in str(error) or "deleted but recoverable" in str(error)


@check
def backup_and_restore(client, credential):
    name = unique("backup")
    client.set_secret(name, "precious", tags={"k": "v"})
    blob = client.backup_secret(name)
    assert isinstance(blob, bytes) and len(blob) > 0
    try:
        client.restore_secret_backup(blob)
        raise AssertionError("restore onto an existing name succeeded")
    except ResourceExistsError:
        pass
    client.begin_delete_secret(name).result()
    client.purge_deleted_secret(name)
    restored = client.restore_secret_backup(blob)
    assert restored.name == name and restored.tags == {"k": "v"}
    assert client.get_secret(name).value == "precious"


@check
def disabled_secret_is_forbidden(client, credential):
    name = unique("disabled")
    client.set_secret(name, "v", enabled=False)
    try:
        client.get_secret(name)
        raise AssertionError("a disabled secret was readable")
    except HttpResponseError as error:
        assert error.status_code == 403, error.status_code
        assert "SecretDisabled" in str(error) or "disabled" in str(error)


@check
def missing_secret_is_not_found(client, credential):
    try:
        client.get_secret(unique("missing"))
        raise AssertionError("a missing secret was found")
    except ResourceNotFoundError as error:
        assert error.status_code == 404


@check
def empty_value_is_allowed(client, credential):
    name = unique("empty")
    client.set_secret(name, "")
    assert client.get_secret(name).value == ""


@check
def oversize_value_is_rejected(client, credential):
    try:
        client.set_secret(unique("big"), "x" * (25 * 1024 + 1))
        raise AssertionError("an oversize value was accepted")
    except HttpResponseError as error:
        assert error.status_code == 400


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--ca", required=True)
    args = parser.parse_args()
    context = ssl.create_default_context(cafile=args.ca)
    passed = failed = 0
    for function in CHECKS:
        credential = EmulatorCredential(args.url, context)
        client = SecretClient(args.url, credential, verify_challenge_resource=False, connection_verify=args.ca)
        try:
            function(client, credential)
            passed += 1
            print(f"ok   {function.__name__}")
        except Exception:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"FAIL {function.__name__}")
            traceback.print_exc(limit=3)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
