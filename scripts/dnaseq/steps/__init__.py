"""Job steps: each module has `main(argv)` and runs as `python -m dnaseq.steps.<name>`."""
