"""Publishing the privacy centre after a deployment: every built file lands in the site's bucket
with its content type, the distribution's cache is invalidated, names come from the outputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra.publish_site import publish

REGION = "ap-southeast-1"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _distribution(cloudfront: object) -> str:
    answer = cloudfront.create_distribution(  # type: ignore[attr-defined]
        DistributionConfig={
            "CallerReference": "site",
            "Comment": "site",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [{"Id": "s3", "DomainName": "site.s3.amazonaws.com"}],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "https-only"},
        }
    )
    return str(answer["Distribution"]["Id"])


def test_publish_uploads_the_build_with_content_types_and_invalidates_the_cache(
    aws: None, tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>Trung tâm</title>")
    (tmp_path / "app.js").write_text("export {};")
    (tmp_path / "style.css").write_text("body{}")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket="site", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"}
    )
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    distribution = _distribution(cloudfront)

    assert publish(s3, cloudfront, "site", distribution, tmp_path) == [
        "app.js",
        "index.html",
        "style.css",
    ]

    types = {
        key: s3.head_object(Bucket="site", Key=key)["ContentType"]
        for key in ("index.html", "app.js", "style.css")
    }
    assert types["index.html"].startswith("text/html")
    assert types["style.css"] == "text/css"
    assert "javascript" in types["app.js"]
    invalidations = cloudfront.list_invalidations(DistributionId=distribution)
    assert invalidations["InvalidationList"]["Quantity"] == 1


def test_publish_refuses_a_missing_build(aws: None, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no build"):
        publish(object(), object(), "site", "E1", tmp_path)
