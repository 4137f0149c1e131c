"""Integration JSON: what it may say (model), its shape (schema), the lint rules, the
checker, setting values and the settings array Telex sends, and the one loader.

Import from the module that defines a name (`emulator.spec.check.check_spec`); this
package re-exports nothing. Pure: no I/O of its own (the loader is handed its fetch).
"""
