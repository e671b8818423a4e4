"""The pure core: events and their fold, decisions, placement, VM rules, accounts and tenancy, errors. No I/O."""
