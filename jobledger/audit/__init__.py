"""The audit (ops side, never deployed): verify the log's integrity and completeness, replay it into the state
it explains, compare with the tables, seal heads, show a job's history, export and import."""
