"""The app's stacks, in the order they deploy: each refers only to those before it.

CloudFormation names what it generates in a stack ``<stack>-<logical id>-<suffix>``, so every
generated name of the app (roles, functions, tables) starts with ``APP-``; the alarms and the
dashboard are named after ``APP`` too.
"""

from __future__ import annotations

APP = "OnGptAccounts"
DATA = f"{APP}-Data"
IDENTITY = f"{APP}-Identity"
API = f"{APP}-Api"
OPERATIONS = f"{APP}-Operations"
STACKS = (DATA, IDENTITY, API, OPERATIONS)
