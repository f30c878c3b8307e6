"""The function's configuration, from the environment the stack gives it, read once on first use."""

from __future__ import annotations

from functools import cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Names of what a function may touch, from the environment variables of the same names."""

    model_config = SettingsConfigDict(frozen=True)

    powertools_service_name: str = ""  # the function's name
    customers_table: str = ""
    registrations_table: str = ""
    audit_table: str = ""
    audit_key_id: str = ""
    audit_anchor_bucket: str = ""
    analytics_table: str = ""
    idempotency_table: str = ""
    data_key_id: str = ""
    blind_index_key_id: str = ""
    user_pool_id: str = ""
    sender_email: str = ""
    ses_configuration_set: str = ""
    job_dlq_url: str = ""
    announcement_queue_url: str = ""
    registration_queue_url: str = ""
    send_limits_table: str = ""
    sms_country_codes: tuple[str, ...] = ("84",)  # JSON in the environment, e.g. ["84"]


@cache
def settings() -> Settings:
    return Settings()
