"""Customer Success MCP: the example service of cs-docker-hardening."""
