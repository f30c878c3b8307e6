"""``python -m infra.publish_site``: after ``make deploy``, upload ``web/dist`` to the privacy
centre's bucket and refresh the distribution's cache. The bucket and the distribution are read
from the outputs of the stack that holds it (``OnGptAccounts-Api``); the page's configuration is not
uploaded (CloudFront answers it)."""

from __future__ import annotations

import argparse
import mimetypes
import re
import time
from pathlib import Path
from typing import Any

import boto3

from infra import names

DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
STACK = names.API
BUCKET_OUTPUT = "SiteBucketName"
DISTRIBUTION_OUTPUT = "SiteDistributionId"
# The page, its entry script and style keep their names from one build to the next: browsers
# revalidate them every time (ETag). The chunks are named by their content's hash (web/build.mjs,
# esbuild's ``[name]-[hash]``): a new build names new chunks, so an old name's content never
# changes and may be kept for a year (``max-age``, RFC 9111; ``immutable``, RFC 8246).
REVALIDATED = "no-cache"
KEPT = "public, max-age=31536000, immutable"
HASHED = re.compile(r"-[A-Z0-9]{8}\.js$")


def cache_control(name: str) -> str:
    """``KEPT`` for a chunk named by its content's hash, ``REVALIDATED`` for everything else."""
    return KEPT if HASHED.search(name) else REVALIDATED


def stack_outputs(cloudformation: Any, stack: str = STACK) -> dict[str, str]:
    (found,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}


def publish(s3: Any, cloudfront: Any, bucket: str, distribution_id: str, dist: Path) -> list[str]:
    """Every file of ``dist`` to the bucket with its content type, then one invalidation."""
    if not (dist / "index.html").is_file():
        raise FileNotFoundError(f"{dist} has no build: run make install")
    keys = []
    for path in sorted(p for p in dist.iterdir() if p.is_file()):
        s3.put_object(
            Bucket=bucket,
            Key=path.name,
            Body=path.read_bytes(),
            ContentType=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            CacheControl=cache_control(path.name),
        )
        keys.append(path.name)
    cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": f"publish-{time.time_ns()}",
        },
    )
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", default=STACK)
    args = parser.parse_args(argv)
    outputs = stack_outputs(boto3.client("cloudformation"), args.stack)
    keys = publish(
        boto3.client("s3"),
        boto3.client("cloudfront"),
        outputs[BUCKET_OUTPUT],
        outputs[DISTRIBUTION_OUTPUT],
        DIST,
    )
    print(f"published {', '.join(keys)} to s3://{outputs[BUCKET_OUTPUT]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
