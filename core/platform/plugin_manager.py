"""Find, load and switch baocao plugins.

Plugins are found in two places: modules of the bundled ``plugins`` package
and distributions that declare a ``baocao`` entry point. Each is imported
once per process; a plugin that fails to import, or whose hooks do not match
the specs, is kept with its error and never registered, and the app starts.

A plugin may also list *features* (``FEATURES = {"deadlines": Feature(...)}``): parts another
province can switch on alone. Each is offered as its own plugin, ``<plugin>.<feature>``, that
contributes only the feature's hooks.

Precedence, for ``firstresult`` hooks (the order in which answers are asked for):

1. features, the one switched on most recently first;
2. whole plugins, the one switched on most recently first;
3. core defaults (``core/defaults``, ``trylast``).

So a feature switched on over a province always wins the hooks it names, and of two provinces
the one switched on later answers. Hooks that collect lists ask everyone in the same order.

Which plugins are on lives in the ``plugin_state`` table. Every process keeps
the set it last saw; :meth:`PluginRegistry.refresh` compares it with the
table (one small query) and, when it differs, builds a fresh
``pluggy.PluginManager`` and swaps it in. Readers always see a complete
manager, never one being rebuilt.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import logging
import pkgutil
import threading
import time
import traceback
from dataclasses import dataclass, field
from types import ModuleType, SimpleNamespace

import pluggy
from sqlalchemy import select

from core import hookspecs
from core.contracts import Feature, PluginInfo

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "baocao"


@dataclass
class LoadedPlugin:
    """One discovered plugin, loaded or not."""

    name: str
    source: str  # "bundled" or the distribution name
    module: ModuleType | None = None
    info: PluginInfo | None = None
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    #: For a feature plugin: the plugin it is part of, and the feature.
    parent: str | None = None
    feature: Feature | None = None

    @property
    def loadable(self) -> bool:
        return self.module is not None and self.error is None

    @property
    def version(self) -> str:
        return self.info.version if self.info else "?"

    @property
    def title(self) -> str:
        return self.info.title if self.info else self.name


def new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _hook_names(module: ModuleType) -> list[str]:
    return sorted(
        name
        for name, value in vars(module).items()
        if callable(value) and hasattr(value, f"{hookspecs.PROJECT}_impl")
    )


def _check(module: ModuleType) -> None:
    """Register on a scratch manager so misspelled hooks fail here, not at call time."""
    pm = new_manager()
    pm.register(module, name=module.__name__)
    pm.check_pending()


def _load(name: str, source: str, importer) -> LoadedPlugin:
    plugin = LoadedPlugin(name=name, source=source)
    try:
        module = importer()
        _check(module)
    except Exception as exc:  # a broken plugin must not stop the app
        plugin.error = f"{type(exc).__name__}: {exc}"
        log.error("plugin %s failed to load: %s\n%s", name, exc, traceback.format_exc())
        return plugin
    plugin.module = module
    plugin.hooks = _hook_names(module)
    info = getattr(module, "PLUGIN_INFO", None)
    plugin.info = info if isinstance(info, PluginInfo) else PluginInfo(name=name, title=name)
    return plugin


def features(plugin: LoadedPlugin) -> list[LoadedPlugin]:
    """The plugin's ``FEATURES`` as plugins of their own; a feature naming a hook the plugin lacks is an error."""
    if not plugin.loadable:
        return []
    found = []
    for key, feature in (getattr(plugin.module, "FEATURES", None) or {}).items():
        part = LoadedPlugin(name=f"{plugin.name}.{key}", source=plugin.source, parent=plugin.name,
                            feature=feature if isinstance(feature, Feature) else None)
        missing = sorted(set(getattr(feature, "hooks", ())) - set(plugin.hooks))
        if part.feature is None or missing or not feature.hooks:
            part.error = (f"feature {key} of {plugin.name} must be a Feature whose hooks the plugin implements"
                          + (f" (missing: {', '.join(missing)})" if missing else ""))
        else:
            part.module = SimpleNamespace(__name__=part.name, **{h: getattr(plugin.module, h) for h in feature.hooks})
            part.hooks = sorted(feature.hooks)
        part.info = PluginInfo(name=part.name, title=f"{plugin.title}: {feature.title}" if part.feature else part.name,
                               version=plugin.version, description=getattr(feature, "description", ""),
                               regulation=plugin.info.regulation, issuer=plugin.info.issuer)
        found.append(part)
    return found


def discover(packages: tuple[str, ...] = ("plugins",)) -> dict[str, LoadedPlugin]:
    """Every plugin this process can see: modules of ``packages``, then entry points, each followed by its features."""
    found: dict[str, LoadedPlugin] = {}
    for package in packages:
        pkg = importlib.import_module(package)
        for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            if mod.name.startswith("_") or mod.name in found:
                continue
            found[mod.name] = _load(
                mod.name, "bundled", lambda n=mod.name, p=package: importlib.import_module(f"{p}.{n}")
            )
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found:
            found[ep.name].error = found[ep.name].error or (
                f"name clash: {ep.name} is provided by both {found[ep.name].source} and {ep.dist.name if ep.dist else '?'}"
            )
            continue
        found[ep.name] = _load(ep.name, ep.dist.name if ep.dist else "entry point", ep.load)
    for plugin in list(found.values()):
        for part in features(plugin):
            found.setdefault(part.name, part)
    return found


class PluginRegistry:
    """Per-app holder of the discovered plugins and the active manager."""

    def __init__(self, plugins: dict[str, LoadedPlugin], defaults: list[ModuleType]):
        self.plugins = plugins
        self.defaults = defaults
        self._order: tuple[str, ...] = ()
        self._pm = self._build(self._order)
        self._lock = threading.Lock()
        self._checked_at: float | None = None

    @property
    def pm(self) -> pluggy.PluginManager:
        return self._pm

    @property
    def hook(self):
        return self._pm.hook

    @property
    def enabled(self) -> frozenset[str]:
        return frozenset(self._order)

    @property
    def order(self) -> tuple[str, ...]:
        """The enabled plugins in precedence order: the first answers ``firstresult`` hooks first."""
        return self._order

    @property
    def checked_at(self) -> float | None:
        """When this process last read ``plugin_state`` (monotonic): others re-read their data with it."""
        return self._checked_at

    def _build(self, order: tuple[str, ...]) -> pluggy.PluginManager:
        pm = new_manager()
        for module in self.defaults:
            pm.register(module, name=f"core.defaults.{module.__name__.rsplit('.', 1)[-1]}")
        for name in reversed(order):  # pluggy asks the last registered first
            pm.register(self.plugins[name].module, name=name)
        pm.check_pending()
        return pm

    def precedence(self, switched_on: list[str]) -> tuple[str, ...]:
        """``switched_on`` (oldest switch first) in precedence order: features, then plugins, newest first."""
        usable = [n for n in dict.fromkeys(switched_on) if n in self.plugins and self.plugins[n].loadable]
        newest_first = usable[::-1]
        return tuple(sorted(newest_first, key=lambda n: self.plugins[n].parent is None))

    def apply(self, switched_on) -> bool:
        """Switch to the plugins ``switched_on`` (names, oldest switch first); True when anything changed."""
        order = self.precedence(list(switched_on))
        if order == self._order:
            return False
        with self._lock:
            if order != self._order:
                self._pm = self._build(order)
                log.info("plugins now enabled: %s", ", ".join(order) or "none")
                self._order = order
        return True

    def refresh(self, session, max_age: float | None = None) -> bool:
        """Bring this process in line with ``plugin_state``: one small query.

        With ``max_age`` (seconds), skip the query when the last one is that recent: requests pass
        ``PLUGIN_REFRESH_SECONDS``, so a switch made in another process applies here within that time
        while a burst of requests does not ask the database each time.
        """
        from core.platform.models.plugin_state import PluginState

        now = time.monotonic()
        if max_age and self._checked_at is not None and now - self._checked_at < max_age:
            return False
        self._checked_at = now
        names = session.execute(select(PluginState.name).where(PluginState.enabled.is_(True))
                                .order_by(PluginState.changed_at, PluginState.name)).scalars()
        return self.apply(list(names))

    def answering(self, hook_name: str) -> list[str]:
        """Plugin names implementing a hook, in call order (first answers first)."""
        caller = getattr(self._pm.hook, hook_name)
        return [self._pm.get_name(impl.plugin) for impl in reversed(caller.get_hookimpls())]

    def answers(self) -> list[dict]:
        """Every hook with who answers it, in call order: the Plugins screen's "who answers" table."""
        rows = []
        for name in sorted(n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), f"{hookspecs.PROJECT}_spec")):
            spec = getattr(getattr(hookspecs, name), f"{hookspecs.PROJECT}_spec")
            firstresult = bool(spec.get("firstresult"))
            rows.append({"hook": name, "firstresult": firstresult, "plugins": self.answering(name)})
        return rows
