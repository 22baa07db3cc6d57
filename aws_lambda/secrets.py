"""Settings whose value names a secret (`arn:aws:secretsmanager:...` or `ssm:/name`), resolved at cold start."""

from __future__ import annotations

from collections.abc import Mapping

from core.errors import ConfigError

SECRET_SETTINGS = ("INTERANA_API_KEY", "SEGMENT_SHARED_SECRET", "SEGMENT_WRITE_KEYS", "INGEST_BEARER_TOKEN")


def resolve_secrets(env: Mapping[str, str]) -> dict[str, str]:
    """A copy of `env` with secret references replaced by their values (Powertools Parameters fetches them)."""
    resolved = dict(env)
    for name in SECRET_SETTINGS:
        reference = env.get(name, "").strip()
        if not reference.startswith(("arn:aws:secretsmanager:", "ssm:")):
            continue
        from aws_lambda_powertools.utilities import parameters  # only deployments that use secrets pay for it

        try:
            if reference.startswith("ssm:"):
                resolved[name] = parameters.get_parameter(reference.removeprefix("ssm:"), decrypt=True)
            else:
                resolved[name] = parameters.get_secret(reference)
        except Exception as error:  # any SDK or transform failure: the message names the setting, not the value
            raise ConfigError(name, f"could not read {reference} ({type(error).__name__})") from None
    return resolved
