"""Services: the orchestration (routing an event, sending a delivery, recording feedback, replay, reports,
settings documents), each built with its ports injected (``services.ports``)."""
