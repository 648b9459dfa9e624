"""The web console: one static page and its assets (web/), served by the service at `/`."""
