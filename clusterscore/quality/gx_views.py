"""Great Expectations' Data Docs views, each Jinja template compiled once per process.

GX builds a new Jinja environment for every page it renders, so every page compiles (lexes and parses) every
template again: profiled on a sample refresh, about two thirds of each checkpoint's time. These views are GX's own
with one Jinja bytecode cache shared between them, Jinja's mechanism for reusing compiled templates (keyed by
template name and source checksum, so a changed template compiles again). `gx_runner` configures them as the
views of the Data Docs site.
"""

from __future__ import annotations

import jinja2
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates in memory, for the life of the process."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED = _CompiledTemplates()


class _CompiledOnce:
    """Mixed into a GX view: its Jinja environment shares the process's compiled templates."""

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.bytecode_cache = COMPILED


class CompiledOncePageView(_CompiledOnce, DefaultJinjaPageView):
    pass


class CompiledOnceIndexPageView(_CompiledOnce, DefaultJinjaIndexPageView):
    pass


def data_docs_views(site: dict) -> dict:
    """A Data Docs site's configuration with these views for its index and every section."""
    view = {"module_name": __name__, "class_name": CompiledOncePageView.__name__}
    index_view = {"module_name": __name__, "class_name": CompiledOnceIndexPageView.__name__}
    return {
        **site,
        "site_index_builder": {
            **site.get("site_index_builder", {"class_name": "DefaultSiteIndexBuilder"}),
            "view": index_view,
        },
        "site_section_builders": {
            section: {**site.get("site_section_builders", {}).get(section, {}), "view": view}
            for section in ("expectations", "validations", "profiling")
        },
    }
