"""The customer's own data (P3.1, GDPR 15/20): profile, export, consents, contracts, notices,
disclosures."""

from ongpt.api import create_app, entrypoint, not_implemented_yet

app = create_app()

not_implemented_yet(
    app,
    [
        ("GET", "/v1/me"),
        ("GET", "/v1/me/export"),
        ("GET", "/v1/me/consents"),
        ("PUT", "/v1/me/consents/<purpose>"),
        ("GET", "/v1/me/contracts"),
        ("GET", "/v1/me/notifications"),
        ("GET", "/v1/me/disclosures"),
    ],
)

lambda_handler = entrypoint(app)
