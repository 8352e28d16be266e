"""The five province plugins built from shared/seeds: metadata and help contacts (S9), no app needed."""
from __future__ import annotations

import dataclasses
import importlib
import unicodedata

import pytest

from core.contracts import Contact, PluginInfo

SEED_PLUGINS = ["dong_nai", "cao_bang", "quang_ngai_baocao", "quang_ngai_phantich", "ha_noi"]


def _strings(obj):
    """Every string field of a contracts dataclass."""
    return [v for v in dataclasses.asdict(obj).values() if isinstance(v, str)]


@pytest.mark.parametrize("name", SEED_PLUGINS)
def test_plugin_info(name):
    module = importlib.import_module(f"plugins.{name}")
    info = module.PLUGIN_INFO
    assert isinstance(info, PluginInfo)
    assert info.name == name
    assert info.title.strip()
    assert info.regulation.strip()
    for s in _strings(info):
        assert unicodedata.is_normalized("NFC", s), (name, s)


@pytest.mark.parametrize("name", SEED_PLUGINS)
def test_support_contacts(name):
    module = importlib.import_module(f"plugins.{name}")
    contacts = module.support_contacts()
    assert contacts, f"{name} has no support contact"
    for contact in contacts:
        assert isinstance(contact, Contact)
        assert contact.organisation.strip()
        for s in _strings(contact):
            assert unicodedata.is_normalized("NFC", s), (name, s)
