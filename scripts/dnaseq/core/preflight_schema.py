"""Pre-flight checks of the config: against its JSON schema, with the key path and a hint for
misspelt keys; every extra-options string read as options, never as shell code."""

from __future__ import annotations

import re
import shlex

from dnaseq.core.sheets import InputError

# keys of earlier versions -> what replaces them (a clear message instead of "unknown key")
REPLACED_KEYS = {
    "identity.same_person_min_concordance": "identity.min_lod in 0.6.0 (identity by likelihood "
    "ratio: raw concordance depends on allele frequencies and on the sites covered)",
    "somatic.pair_min_concordance": "identity.min_lod in 0.6.0 (the tumour/normal check is "
    "a tumour-aware likelihood ratio)",
}


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
    for old, new in REPLACED_KEYS.items():
        parent, _, key = old.rpartition(".")
        if where == parent and isinstance(err.instance, dict) and key in err.instance:
            raise InputError(f"config ({old}): replaced by {new}")
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = list(err.schema.get("properties", {}))
        unknown = [k for k in err.instance if k not in known]
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, known, n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        message = f"unknown key(s) {', '.join(hints)}; allowed: {', '.join(known)}"
    raise InputError(f"config ({where}): {message}")


# Characters that make an option string shell code instead of options: command separators,
# pipes, substitutions, redirections, line breaks. Refused, not escaped: an option string with
# them is a mistake or an attack, and either way nothing should run.
SHELL_SYNTAX = re.compile(r"[;&|`$<>\n\r\\]")


def option_keys(config: dict, prefix: str = "") -> list[str]:
    """Dotted keys of every extra-options string of the config (`*_extra`, `extra`)."""
    keys = []
    for key, value in config.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            keys += option_keys(value, f"{dotted}.")
        elif (key == "extra" or key.endswith("_extra")) and isinstance(value, str):
            keys.append(dotted)
    return keys


def safe_options(value: str, key: str) -> str:
    """An extra-options string as the shell must see it: split like a shell would (quotes
    group words), refused when it holds shell syntax, every word quoted."""
    if "\n" in value or "\r" in value:
        raise InputError(f"config ({key}): {value!r} spans several lines; options only")
    try:
        words = shlex.split(value)
    except ValueError as err:
        raise InputError(f"config ({key}): {value!r} cannot be read as options ({err})") from None
    for word in words:
        bad = SHELL_SYNTAX.search(word)
        if bad:
            raise InputError(
                f"config ({key}): {value!r} holds shell syntax ({bad.group()!r} in {word!r}); "
                "give command-line options only, e.g. '--length_required 36'"
            )
    return " ".join(shlex.quote(w) for w in words)


def quote_option_strings(config: dict) -> None:
    """Check every extra-options string and replace it by its quoted form, in place: the rules
    pass `{params.extra}` to the shell as it is."""
    for key in option_keys(config):
        *parents, last = key.split(".")
        node = config
        for part in parents:
            node = node[part]
        node[last] = safe_options(node[last], key)
