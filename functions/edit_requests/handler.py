"""Edit requests (P6.1): customers ask for changes to their contact details; staff decide."""

from ongpt.api import create_app, entrypoint, not_implemented_yet

app = create_app()

not_implemented_yet(
    app,
    [
        ("POST", "/v1/me/edit-requests"),
        ("GET", "/v1/me/edit-requests"),
        ("GET", "/v1/me/edit-requests/<edit_request_id>"),
        ("POST", "/v1/me/edit-requests/<edit_request_id>/verification"),
        ("POST", "/v1/me/edit-requests/<edit_request_id>/withdraw"),
        ("GET", "/v1/staff/edit-requests"),
        ("POST", "/v1/staff/edit-requests/<edit_request_id>/decision"),
    ],
)

lambda_handler = entrypoint(app)
