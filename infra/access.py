"""Who may invoke what, for the roles' IAM policies: API.md's principal table from the shared
package (``ongpt.platform.access``), which the handlers check too. The local gateway evaluates the
synthesized policies, not this table."""

from __future__ import annotations

from ongpt.platform.access import CUSTOMER, GUEST, PRINCIPALS, Pattern
from ongpt.platform.access import STAFF_ROLES as STAFF_PRINCIPALS

__all__ = ["CUSTOMER", "GUEST", "STAFF_ROLES", "Pattern"]

# Each staff role's IAM name and the patterns it may invoke.
STAFF_ROLES: dict[str, tuple[Pattern, ...]] = {
    name: PRINCIPALS[principal] for name, principal in STAFF_PRINCIPALS.items()
}
