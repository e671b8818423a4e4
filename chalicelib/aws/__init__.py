"""The AWS adapters: the PynamoDB models, the event log, the state table, the jobs queue, the directory."""
