"""`python -m jobledger <command>`: one module per subcommand (serve, keys, sign, redrive, inventory, audit)."""
