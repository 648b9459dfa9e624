"""The HTTP kernel every room builds on: the app factory (app.py), problem details, limits,
token guards, each room's base controller (rooms.py), the write route (writes.py),
middleware, body decoding, the uvicorn protocol, the services handed to each route
(services.py) and the request and response types several rooms share (schemas.py, reads.py).
It imports no room but in app.py, which mounts them all."""
