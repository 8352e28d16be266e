"""Data exchange with other systems (REQUIREMENTS R3, R4, R6, R9).

Three file formats carry the same thing, a set of data values, each value
naming a data element (our field), a period, an org unit and a
disaggregation (our cell):

* :mod:`core.exchange.dhis2` — DHIS2 ``dataValueSets`` JSON;
* :mod:`core.exchange.adx` — IHE ADX XML (``urn:ihe:qrph:adx:2015``);
* :mod:`core.exchange.csv_format` — DHIS2's data value CSV.

Codes are translated by the mapping tables (:mod:`core.exchange.mapping`);
The shapes they share are in :mod:`core.exchange.datavalues`; :mod:`core.exchange.codecs` picks
the module of a format. :mod:`core.exchange.values` reads approved values out and writes imported
ones in, all or nothing, through :func:`core.reporting.entry.save_checked`.
:mod:`core.exchange.outbox` pushes approved provincial reports to the
national system; :mod:`core.exchange.intake` pulls configured sources.
"""
