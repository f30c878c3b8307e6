"""A function's role, made in one stack and given its permissions in another.

A key policy may name only a principal that exists ("The principals in the key policy must exist
and be visible to KMS", https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html),
and KMS keeps a role it names as the role's unique id, so a role deleted and made again under the
same name gains nothing from it
(https://repost.aws/knowledge-center/kms-policy-error-invalid-principals). So each function's role
is made in the stack of the keys, the audit table and the anchor bucket whose policies name it,
and the functions' stack writes the role's own permissions in a policy of that stack, attached to
the role by name: every reference points back to the earlier stack, and the key policies name
each role, for each action, as they did in one stack.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_iam as iam
from constructs import Construct


@dataclass(frozen=True)
class Grantee:
    """``role`` as made, which resource policies of its own stack name; ``policies``, the same
    role as the using stack sees it: what is added to it (grants included) is that stack's."""

    role: iam.IRole
    policies: iam.IRole

    @classmethod
    def of(cls, scope: Construct, role: iam.IRole) -> Grantee:
        """``role``, its own permissions written in ``scope``'s stack (``Role/DefaultPolicy``
        under ``scope``, where a role made there keeps its own)."""
        policies = iam.Role.from_role_name(
            scope, "Role", role.role_name, mutable=True, default_policy_name="DefaultPolicy"
        )
        return cls(role, policies)
