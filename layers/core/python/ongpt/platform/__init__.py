"""The platform every function stands on: the API resolver and its error mapping, the caller and
its role, idempotency, settings, AWS clients, telemetry and the queue worker."""
