"""The API's routes, one ``APIRouter`` per part: ``meta`` (page, health, models), ``analyses``
(uploads and their results) and ``compositions`` (music made from a result, its downloads).

Routes reach the server's config, store and job runner through ``request.app.state`` (see
``deps``); ``create_app`` puts them there and includes the routers.
"""

from emoscore.web.routes import analyses, compositions, meta

__all__ = ["analyses", "compositions", "meta"]
