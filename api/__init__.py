"""The outward faces: the Litestar HTTP API, the web console and the `gameledger` CLI."""
