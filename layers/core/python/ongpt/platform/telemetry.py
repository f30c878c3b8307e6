"""The Powertools logger and metrics every function shares (service name from the environment)."""

from aws_lambda_powertools import Logger, Metrics, Tracer

NAMESPACE = "OnGptAccounts"

logger = Logger()
metrics = Metrics(namespace=NAMESPACE)
tracer = Tracer()
