"""The Hotline HTTP API: the app (api.app.create_app, which mounts one router per feature) and
what every router shares (api.deps, api.auth, api.errors, api.schemas, api.ranges). Importing
this package imports nothing, so a feature's router can use the shared parts without the app."""
