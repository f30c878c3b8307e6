"""Web analytics (P1.3): page visits stored apart from, and unlinked to, personal data."""

from ongpt.api import create_app, entrypoint, not_implemented_yet

app = create_app()

not_implemented_yet(
    app,
    [
        ("POST", "/v1/analytics/events"),
    ],
)

lambda_handler = entrypoint(app)
