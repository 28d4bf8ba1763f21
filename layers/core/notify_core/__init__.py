"""The shared core of the notification platform, in layers (an import-linter contract keeps them):

- ``domain``: pure rules and values (no AWS SDK);
- ``config`` and ``observability``: the configuration contract with the wiring; logging and metrics;
- ``adapters``: AWS services and protocols, one per concern, implementing the ports of ``services.ports``;
- ``services``: orchestration, built with its ports injected;
- ``handlers`` and ``compose``: the Lambda glue and the composition root (one builder per function).

Lambda handlers under ``functions/`` only expose ``LazyHandler(build)``.
"""
