"""GIS clients (GDAL's OAPIF driver, OWSLib) against the live server with the demo seeds."""

from tests.browser.conftest import live_app, live_server  # noqa: F401
