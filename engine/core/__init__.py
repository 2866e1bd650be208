"""Pure-Python flow engine core: definition, validate, runtime. Never imports Django."""
