"""Session policies AWS adds to credentials it issues, as AWS publishes them."""

from __future__ import annotations

from typing import Any

# AmazonCognitoUnAuthedIdentitiesSessionPolicy, v3 (the default version), from the AWS Managed
# Policy Reference (docs.aws.amazon.com/aws-managed-policy/latest/reference/
# AmazonCognitoUnAuthedIdentitiesSessionPolicy.html): Cognito includes it as a scope-down policy
# in the credentials of every unauthenticated identity that uses the enhanced flow
# (GetCredentialsForIdentity). It has no execute-api action, hence guests use the basic flow.
COGNITO_UNAUTHED_IDENTITIES: list[dict[str, Any]] = [
    {
        "Sid": "CognitoUnAuthedIdentitiesSessionPolicy",
        "Effect": "Allow",
        "Action": [
            "rum:PutRumEvents",
            "sagemaker:InvokeEndpoint",
            "polly:*",
            "comprehend:*",
            "translate:*",
            "transcribe:*",
            "rekognition:*",
            "mobiletargeting:*",
            "firehose:*",
            "personalize:*",
            "geo:GetMap*",
            "geo:SearchPlaceIndex*",
            "geo:GetPlace",
            "geo:CalculateRoute*",
            "geo:*Geofence",
            "geo:*Geofences",
            "geo:*DevicePosition*",
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncryptTo",
            "kms:ReEncryptFrom",
            "kms:GenerateDataKey",
            "kms:GenerateDataKeyPair",
            "kms:GenerateDataKeyPairWithoutPlaintext",
            "kms:GenerateDataKeyWithoutPlaintext",
        ],
        "Resource": "*",
    }
]
