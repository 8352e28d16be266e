"""Bundled plugins: one package per province (and ``example`` for tests).

Every module here is discovered by :func:`core.platform.plugin_manager.discover`; a
plugin from another distribution registers itself under the ``baocao``
entry-point group instead. Plugins return data (see :mod:`core.contracts`)
and never import the database session.
"""
