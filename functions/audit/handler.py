"""The audit log (P2.5, P5): entries about a customer and the verification of their chain."""

from ongpt.api import create_app, entrypoint, not_implemented_yet

app = create_app()

not_implemented_yet(
    app,
    [
        ("GET", "/v1/staff/audit"),
    ],
)

lambda_handler = entrypoint(app)
