"""Libraries the Snakefile imports while it plans a run."""
