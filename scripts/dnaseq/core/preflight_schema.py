"""Pre-flight check of the config against its JSON schema, with the key path and a hint for
misspelt keys."""

from __future__ import annotations

from dnaseq.core.sheets import InputError


def validate_config(config: dict, schema: dict) -> None:
    """The config against its schema, with the key path and a hint for misspelt keys."""
    import difflib

    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(schema).iter_errors(config), key=lambda e: e.path)
    if not errors:
        return
    err = errors[0]
    where = ".".join(map(str, err.absolute_path)) or "top level"
    message = err.message
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = list(err.schema.get("properties", {}))
        unknown = [k for k in err.instance if k not in known]
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, known, n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        message = f"unknown key(s) {', '.join(hints)}; allowed: {', '.join(known)}"
    raise InputError(f"config ({where}): {message}")
