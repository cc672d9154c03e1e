# Compute resources of every rule: threads, mem_mb and runtime from config `resources`
# (resources.default updated by resources.rules.<rule>), memory scaled by the attempt number for
# the rules listed in resources.memory_scales_with_attempt.


def rule_settings(name):
    """threads/mem_mb/runtime of a rule: config resources.default updated by resources.rules."""
    return {**config["resources"]["default"], **config["resources"]["rules"].get(name, {})}


def threads_for(name):
    return rule_settings(name)["threads"]


def resources_for(name):
    """mem_mb (times the attempt number for rules that can run out of memory) and runtime."""
    settings = rule_settings(name)
    if name not in config["resources"]["memory_scales_with_attempt"]:
        return {"mem_mb": settings["mem_mb"], "runtime": settings["runtime"]}

    def mem_mb(wildcards, attempt):
        return settings["mem_mb"] * attempt

    return {"mem_mb": mem_mb, "runtime": settings["runtime"]}


def check_resource_names():
    """A typo in config resources.* must not silently leave a rule on the defaults."""
    # every rule is defined whatever the settings (alternative tools write to their own paths)
    names = {r.name for r in workflow.rules}
    listed = set(config["resources"]["rules"]) | set(
        config["resources"]["memory_scales_with_attempt"]
    )
    unknown = sorted(listed - names)
    if unknown:
        raise WorkflowError(f"config resources: unknown rule name(s) {', '.join(unknown)}")
