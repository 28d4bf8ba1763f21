"""The admin API's HTTP layer: Powertools ``APIGatewayHttpResolver`` (validation on), one router per area.

``app.build_app()`` makes the resolver; ``compose.api`` gives it the ``services.admin_api.AdminApi`` it calls. The
routers only translate HTTP to calls of that service and back; who may do what is the service's and the domain's.
"""
