"""OMS errors: each says what is wrong with which object, in words an operator can act on."""


class OmsError(RuntimeError):
    """Base class; `status` is the HTTP status the API answers with."""

    status = 400


class NotFound(OmsError):
    status = 404


class Conflict(OmsError):
    status = 409


class ProvisioningDataMissing(OmsError):
    """The database lacks what a template needs (ONU type, plan mapping, OLT profile)."""

    status = 422


class PortFull(Conflict):
    pass
