"""jobledger's command line: the local stack (`serve`) and, later, the audit tools."""
