"""Switch plugins on and off: the only code that writes ``plugin_state``.

Used by the Plugins screen and ``baocao plugins enable|disable``; every
toggle is audited and committed by the caller's transaction.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core.platform import audit
from core.platform.clock import utcnow
from core.platform.models.plugin_state import PluginState


class PluginError(Exception):
    """A toggle that cannot be done, with a one-line reason for the user."""


def registry():
    return current_app.extensions["baocao.plugins"]


def states(session) -> dict[str, PluginState]:
    return {s.name: s for s in session.execute(select(PluginState)).scalars()}


def set_enabled(session, name: str, enabled: bool) -> bool:
    """Enable or disable ``name``; returns False when it already was. Caller commits."""
    plugin = registry().plugins.get(name)
    if plugin is None:
        raise PluginError(_("There is no plugin named %(name)s.", name=name))
    if enabled and not plugin.loadable:
        raise PluginError(_("Plugin %(name)s cannot be switched on: %(error)s", name=name, error=plugin.error))
    state = session.get(PluginState, name)
    if state is not None and state.enabled == enabled:
        registry().refresh(session)  # this process may not have looked yet (a CLI, a job)
        return False
    if enabled:
        _refuse_overlap(session, plugin)
    actor = audit.current_actor()
    # Set here, to the microsecond: the switch-on time orders precedence (core.platform.plugin_manager).
    if state is None:
        session.add(PluginState(name=name, enabled=enabled, changed_by=actor.name, changed_at=utcnow()))
    else:
        state.enabled = enabled
        state.changed_by = actor.name
        state.changed_at = utcnow()
    audit.record("plugin.enable" if enabled else "plugin.disable", "Plugin", name, {"version": plugin.version}, session=session)
    session.flush()
    registry().refresh(session)
    if enabled:
        for listener in current_app.extensions.get("baocao.on_plugin_enabled", ()):
            listener(session, plugin)
    return True


def _refuse_overlap(session, plugin) -> None:
    """A feature and the whole plugin it is part of would answer its hooks twice: one or the other."""
    on = {s.name for s in states(session).values() if s.enabled}
    if plugin.parent and plugin.parent in on:
        raise PluginError(_("%(parent)s is switched on and already includes %(name)s: switch on one or the other.",
                            parent=plugin.parent, name=plugin.name))
    parts = sorted(n for n, p in registry().plugins.items() if p.parent == plugin.name and n in on)
    if parts:
        raise PluginError(_("Switch off %(parts)s first: %(name)s already includes it.", parts=", ".join(parts),
                            name=plugin.name))


def on_enabled(app, listener) -> None:
    """Call ``listener(session, plugin)`` after a plugin is switched on (the forms area syncs its forms).

    The platform knows no area: an area that must act on a switch registers here from the app factory.
    """
    app.extensions.setdefault("baocao.on_plugin_enabled", []).append(listener)
