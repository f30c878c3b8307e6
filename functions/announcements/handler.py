"""Announcements (P3.3): staff post them; the fan-out worker delivers them."""

from ongpt.api import create_app, entrypoint, not_implemented_yet

app = create_app()

not_implemented_yet(
    app,
    [
        ("POST", "/v1/staff/announcements"),
    ],
)

lambda_handler = entrypoint(app)
