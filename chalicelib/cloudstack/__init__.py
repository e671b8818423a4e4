"""The CloudStack wire contract: request parsing, signing, paging and rendering XML/JSON. Pure."""
