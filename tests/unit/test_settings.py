"""Settings: every Bucket URL form, both API Key forms, and start-up errors that name the variable."""

import pytest

from core.errors import ConfigError
from core.locations import BlobLocation, S3Location, parse_location
from core.settings import AwsKeyPair, SasToken, Settings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://my.bucket.s3.us-east-1.amazonaws.com/ev/prod", S3Location("my.bucket", "us-east-1", "ev/prod")),
        ("https://bkt.s3-eu-west-2.amazonaws.com/dir/", S3Location("bkt", "eu-west-2", "dir")),
        ("https://bkt.s3.amazonaws.com/dir", S3Location("bkt", None, "dir")),
        ("https://bkt.us-west-2.amazonaws.com/dir", S3Location("bkt", "us-west-2", "dir")),
        ("https://s3.ap-southeast-1.amazonaws.com/bkt/a/b", S3Location("bkt", "ap-southeast-1", "a/b")),
        ("https://bkt.s3.us-gov-west-1.amazonaws.com", S3Location("bkt", "us-gov-west-1", "")),
        ("s3://bkt/interana/", S3Location("bkt", None, "interana")),
        ("s3://bkt", S3Location("bkt", None, "")),
        ("https://acct1.blob.core.windows.net/events/dir/sub",
         BlobLocation("acct1", "events", "dir/sub", "https://acct1.blob.core.windows.net")),
        ("https://acct1.blob.core.windows.net/events",
         BlobLocation("acct1", "events", "", "https://acct1.blob.core.windows.net")),
        ("http://127.0.0.1:10000/devstoreaccount1/events/dir",
         BlobLocation("devstoreaccount1", "events", "dir", "http://127.0.0.1:10000/devstoreaccount1")),
        ("http://localhost:41234/devstoreaccount1/c-1",
         BlobLocation("devstoreaccount1", "c-1", "", "http://localhost:41234/devstoreaccount1")),
    ],
)
def test_bucket_url_forms(url, expected):
    assert parse_location(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://bkt/dir",
        "https://example.com/bkt/dir",
        "https://s3.us-east-1.amazonaws.com/",
        "https://BK.s3.amazonaws.com/dir",
        "s3://bkt/../etc",
        "s3://bkt/a/./b",
        "https://acct.blob.core.windows.net/",
        "https://acct.blob.core.windows.net/Bad_Container/dir",
        "https://acct.blob.core.windows.net/events?sv=2020&sig=x",
        "http://10.0.0.1:10000/devstoreaccount1/events",
    ],
)
def test_malformed_bucket_urls_name_the_variable_and_the_forms(url):
    with pytest.raises(ConfigError) as caught:
        parse_location(url)
    assert str(caught.value).startswith("INTERANA_BUCKET_URL: ")
    assert "s3://{bucket}/{dir}" in str(caught.value)


def test_aws_settings_with_a_key_pair():
    settings = Settings.from_env({
        "INTERANA_PLATFORM": "aws", "INTERANA_BUCKET_URL": "s3://bkt/d",
        "INTERANA_API_KEY": "AKIAIOSFODNN7EXAMPLE, wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "SEGMENT_WRITE_KEYS": " a, b ,,", "MAX_BODY_BYTES": "1000",
    })
    assert settings.platform == "aws" and settings.platform_label == "AWS"
    assert settings.api_key == AwsKeyPair("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    assert settings.write_keys == frozenset({"a", "b"}) and settings.max_body_bytes == 1000
    assert "wJalr" not in repr(settings)


@pytest.mark.parametrize("token", ["?sv=2022-11-02&sp=cw&sig=abc%3D", "sv=2022-11-02&sp=cw&sig=abc%3D"])
def test_azure_sas_with_or_without_question_mark(token):
    settings = Settings.from_env({"INTERANA_PLATFORM": "AZURE", "INTERANA_API_KEY": token,
                                  "INTERANA_BUCKET_URL": "https://acct.blob.core.windows.net/c12/d"})
    assert settings.api_key == SasToken("sv=2022-11-02&sp=cw&sig=abc%3D")
    assert settings.platform_label == "Azure"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"INTERANA_PLATFORM": "gcp"}, "INTERANA_PLATFORM"),
        ({"INTERANA_PLATFORM": "aws"}, "INTERANA_BUCKET_URL"),
        ({"INTERANA_PLATFORM": "aws", "INTERANA_BUCKET_URL": "https://a.blob.core.windows.net/c"},
         "INTERANA_BUCKET_URL"),
        ({"INTERANA_PLATFORM": "azure", "INTERANA_BUCKET_URL": "s3://bkt"}, "INTERANA_BUCKET_URL"),
        ({"INTERANA_PLATFORM": "aws", "INTERANA_BUCKET_URL": "s3://bkt", "INTERANA_API_KEY": "justonepart"},
         "INTERANA_API_KEY"),
        ({"INTERANA_PLATFORM": "azure", "INTERANA_BUCKET_URL": "https://a12.blob.core.windows.net/c12",
          "INTERANA_API_KEY": "AKIAIOSFODNN7EXAMPLE,secret"}, "INTERANA_API_KEY"),
        ({"ALLOW_UNAUTHENTICATED": "maybe"}, "ALLOW_UNAUTHENTICATED"),
        ({"MAX_BODY_BYTES": "-5"}, "MAX_BODY_BYTES"),
        ({"MAX_BODY_BYTES": "6MB"}, "MAX_BODY_BYTES"),
    ],
)
def test_bad_settings_fail_naming_the_variable(env, variable):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert caught.value.variable == variable and str(caught.value).startswith(variable)


def test_a_handler_is_pinned_to_its_platform():
    url = {"INTERANA_BUCKET_URL": "s3://bkt/d"}
    assert Settings.for_platform(url, "aws").platform == "aws"  # INTERANA_PLATFORM defaults to the handler's
    with pytest.raises(ConfigError) as caught:
        Settings.for_platform({**url, "INTERANA_PLATFORM": "local"}, "aws")
    assert caught.value.variable == "INTERANA_PLATFORM" and "writes to AWS storage, not local" in str(caught.value)


def test_defaults():
    settings = Settings.from_env({})
    assert (settings.platform, settings.allow_unauthenticated, settings.max_body_bytes, settings.local_dir) == (
        "local", False, 6_291_456, "./interana-data")
    assert not settings.auth_configured
