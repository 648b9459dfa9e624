"""The routes of game servers (service tokens): the batch, grants, holds and settlements."""
