"""The `make bench` harness: pipeline, floors and pandas peer timed at scale."""
