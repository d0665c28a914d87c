"""The HTTP API (`benefits-qa serve`): the assistant over HTTP, for other systems to call."""
