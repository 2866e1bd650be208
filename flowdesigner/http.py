"""The HTTP side of the ASGI application: Django's ASGI handler, with the whole middleware chain and the
view run in one worker thread per request.

Django's own handler builds an async middleware chain: every middleware that can run both ways runs
async, and each of its process_request/process_response hooks is then called through sync_to_async, a
hop to a worker thread and back; a sync-only middleware (WhiteNoise) hops back the other way for the ones
below it. With our stack that was a dozen thread hops per request, a sixth of the CPU of an inbox answer
and more of a trivial GET (bench/answers.py). All our middleware and views are synchronous, so the chain
is loaded in its sync form and called with one hop.

The hop is thread-sensitive, as Django's are: it runs in the request's own thread (asgiref's
ThreadSensitiveContext, which Django's handler opens per request), the same one where the request_started
and request_finished signals open and close the database connection."""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler


class OneHopASGIHandler(ASGIHandler):
    """ASGIHandler whose middleware chain and view run synchronously in one thread hop per request."""

    def __init__(self) -> None:
        BaseHandler.__init__(self)  # not ASGIHandler.__init__, which loads the async chain
        self.load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
