"""Disclosures (P3.7, P5): every disclosure to a third party or an authority, recorded."""

from ongpt.api import create_app, entrypoint, not_implemented_yet

app = create_app()

not_implemented_yet(
    app,
    [
        ("POST", "/v1/staff/disclosures"),
    ],
)

lambda_handler = entrypoint(app)
