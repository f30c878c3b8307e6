"""Staff access to customers (P5): lookup by blind index, masked and purpose-bound reads."""

from ongpt.api import create_app, entrypoint, not_implemented_yet

app = create_app()

not_implemented_yet(
    app,
    [
        ("GET", "/v1/staff/customers"),
        ("GET", "/v1/staff/customers/<customer_id>"),
    ],
)

lambda_handler = entrypoint(app)
