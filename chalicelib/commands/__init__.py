"""The API's command handlers: dispatch, authentication, async submissions, sync reads, tenant administration."""
