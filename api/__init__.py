"""The HTTP API in rooms: the kernel (http/), the player's routes (player/), the game servers'
(game/), the operators' (ops/) and the web console (console/). Rooms import the kernel, never
each other (pyproject.toml's import contracts)."""
