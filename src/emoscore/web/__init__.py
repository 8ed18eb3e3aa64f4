"""Web page and REST API over the library (``emoscore serve``): uploads become recognition jobs in
a worker pool, results and music files are kept in the store."""

from emoscore.web.app import create_app
from emoscore.web.config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
