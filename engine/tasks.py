"""django-q2 tasks: take ids, call one service. (Launches, callbacks and results emails are outbox
events handled by the worker: see engine/handlers.py.)"""
