"""The Powertools logger, metrics and tracer every function shares (service name from the
environment). X-Ray is on for every function (``infra/functions.py``); traces record no answer
and no error of a handler, nor of a traced store method (the environment turns that capture off:
``settings.TRACER_CAPTURE_RESPONSE``, ``TRACER_CAPTURE_ERROR``), since either may carry personal
data."""

from aws_lambda_powertools import Logger, Metrics, Tracer

NAMESPACE = "OnGptAccounts"

logger = Logger()
metrics = Metrics(namespace=NAMESPACE)
tracer = Tracer(patch_modules=["botocore"])  # AWS calls; patching all costs ~60 ms a cold start
traced = tracer.capture_lambda_handler(capture_response=False, capture_error=False)
