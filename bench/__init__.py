"""`python -m bench`: our figures beside the same machine's limits, measured in one run."""
