"""Complaints (P6.2, P3.6): anyone files one; staff move it to a resolution."""

from ongpt.api import create_app, entrypoint, not_implemented_yet

app = create_app()

not_implemented_yet(
    app,
    [
        ("POST", "/v1/complaints"),
        ("GET", "/v1/staff/complaints"),
        ("PATCH", "/v1/staff/complaints/<complaint_id>"),
    ],
)

lambda_handler = entrypoint(app)
