"""Contracts (P3.2): staff create and renew them; the customer gets a confirmation."""

from ongpt.api import create_app, entrypoint, not_implemented_yet

app = create_app()

not_implemented_yet(
    app,
    [
        ("POST", "/v1/staff/contracts"),
        ("POST", "/v1/staff/contracts/<contract_id>/renewal"),
    ],
)

lambda_handler = entrypoint(app)
