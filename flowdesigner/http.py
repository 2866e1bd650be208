"""The HTTP side of the ASGI application: Django's ASGI handler, with the whole middleware chain and the
view run in one thread hop per request, on a thread kept from one request to the next.

Django's own handler builds an async middleware chain: every middleware that can run both ways runs
async, and each of its process_request/process_response hooks is then called through sync_to_async, a
hop to a worker thread and back; a sync-only middleware (WhiteNoise) hops back the other way for the ones
below it. With our stack that was a dozen thread hops per request, a sixth of the CPU of an inbox answer
and more of a trivial GET (bench/answers.py). All our middleware and views are synchronous, so the chain
is loaded in its sync form and called with one hop.

The hop is thread-sensitive, as Django's are: everything synchronous of a request (the request_started
and request_finished signals that open and close its database connection, the chain, closing the
response) runs on the request's one thread. Django starts a new thread for every request (asgiref's
ThreadSensitiveContext) and so a new database connection; here the thread is lent from a pool for the
request's duration, and keeps its connection (CONN_MAX_AGE) for the next request it serves: starting a
thread and opening a connection were another tenth of a trivial request's CPU."""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler

# Idle request threads kept for later requests; a burst beyond it gets threads that end afterwards.
MAX_IDLE_THREADS = 32


class RequestThreads:
    """Single-thread executors lent to requests, one each, and taken back when the request is over. Used
    from the event loop's thread only."""

    def __init__(self, max_idle: int = MAX_IDLE_THREADS) -> None:
        self.max_idle = max_idle
        self._idle: list[ThreadPoolExecutor] = []

    def take(self) -> ThreadPoolExecutor:
        if self._idle:
            return self._idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        if len(self._idle) < self.max_idle:
            self._idle.append(executor)
        else:
            executor.shutdown(wait=False)


class OneHopASGIHandler(ASGIHandler):
    """ASGIHandler whose middleware chain and view run synchronously in one thread hop per request, on a
    pooled thread."""

    def __init__(self) -> None:
        BaseHandler.__init__(self)  # not ASGIHandler.__init__, which loads the async chain
        self.load_middleware(is_async=False)
        self.threads = RequestThreads()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self.threads.take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(executor)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
