"""Lambda glue: the lazily built entry point and SQS batch processing with backoff."""
