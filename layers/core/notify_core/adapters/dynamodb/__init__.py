"""The platform's DynamoDB tables, each behind a small class bound to the table named in the function's settings."""
