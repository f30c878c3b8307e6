"""Registration (P1.1, P1.2): the policy in force, sign-up, verification by codes, resend."""

from ongpt import policy
from ongpt.api import create_app, entrypoint, not_implemented_yet

app = create_app()


@app.get("/v1/policy")
def get_policy() -> policy.PolicyDocument:
    return policy.current()


not_implemented_yet(
    app,
    [
        ("POST", "/v1/registrations"),
        ("POST", "/v1/registrations/<registration_id>/verification"),
        ("POST", "/v1/registrations/<registration_id>/resend"),
    ],
)

lambda_handler = entrypoint(app)
