"""Publishing the privacy centre after a deployment: every built file lands in the site's bucket
with its content type (every script the page may ask for, its chunks included), the
distribution's cache is invalidated, names come from the outputs."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.publish_site import publish
from tests.support import page_build

REGION = "ap-southeast-1"
WEB = Path(__file__).resolve().parents[2] / "web"


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


def _bucket_and_distribution() -> tuple[Any, Any, str]:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket="site", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"}
    )
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    return s3, cloudfront, _distribution(cloudfront)


def test_publish_uploads_the_build_with_content_types_and_invalidates_the_cache(
    aws: None, tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>Trung tâm</title>")
    (tmp_path / "app.js").write_text("export {};")
    (tmp_path / "style.css").write_text("body{}")
    s3, cloudfront, distribution = _bucket_and_distribution()

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


def test_publish_uploads_every_chunk_the_page_may_load(aws: None, tmp_path: Path) -> None:
    """The page is split into chunks loaded when needed (web/build.mjs): each is in the bucket,
    as JavaScript, or a page that needs it fails on the site while the first screen works. The
    chunks, named by their content's hash, are cached for good; the page and its entry are
    revalidated, so a deployment reaches every browser at its next load."""
    node = shutil.which("node")
    assert node, "Node is a prerequisite (README)"
    subprocess.run([node, "build.mjs", str(tmp_path)], cwd=WEB, check=True, timeout=120)
    s3, cloudfront, distribution = _bucket_and_distribution()
    scripts = page_build.scripts(tmp_path, when_needed=True)
    assert len(scripts) > 2  # the entry, the first screen's chunks, those loaded when needed

    published = publish(s3, cloudfront, "site", distribution, tmp_path)

    assert scripts <= set(published)
    for name in scripts:
        head = s3.head_object(Bucket="site", Key=name)
        assert "javascript" in head["ContentType"], name
        # The entry keeps its name from build to build; a chunk's name is its content's hash.
        kept = "no-cache" if name == "app.js" else "public, max-age=31536000, immutable"
        assert head["CacheControl"] == kept, name
    assert s3.head_object(Bucket="site", Key="index.html")["CacheControl"] == "no-cache"
