"""What every area uses: settings, extensions, the clock, the audit log, jobs, plugins, i18n, crypto.

Imports no area package: the areas build on it, never the other way round."""
