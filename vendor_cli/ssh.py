"""The scrapli SSH transport every vendor driver uses by default.

paramiko runs in-process: no OpenSSH child and pseudo-terminal per OLT session,
and no helper thread per read (scrapli's `system` transport starts one to time
each read). In the bulk benchmark it cut the machine's CPU by a fifth and kept
the run within 1.3x of the device-latency bound, where `system` took 1.32-1.36x.
An OLT that needs OpenSSH (e.g. legacy key exchange on old firmware) is switched
per OLT with its connection options ({"transport": "system", "legacy_kex": true}):
oms.connection_options owns the fixed OpenSSH options those switches add.
"""

SSH_TRANSPORT = "paramiko"


def _mend_scrapli_paramiko() -> None:
    """Two mends to scrapli's paramiko transport plugin:
    - it returns b"" when the device closes the session (paramiko's recv signals EOF
      that way), and scrapli then keeps reading until timeout_ops; OpenSSH (`system`)
      raises at once. Make paramiko do the same, so a dropped session is reported as
      one immediately;
    - on close, stop paramiko's transport before its socket is closed."""
    from scrapli.exceptions import ScrapliConnectionError
    from scrapli.transport.plugins.paramiko.transport import ParamikoTransport

    if getattr(ParamikoTransport.read, "_ponstack_eof", False):
        return
    plain_read = ParamikoTransport.read

    def read(self: ParamikoTransport) -> bytes:
        buf = plain_read(self)
        channel = self.session_channel
        if not buf and channel is not None and (channel.closed or channel.eof_received):
            raise ScrapliConnectionError("encountered EOF reading from transport: the device closed the connection")
        return buf

    read._ponstack_eof = True  # type: ignore[attr-defined]
    ParamikoTransport.read = read  # type: ignore[method-assign]

    plain_close = ParamikoTransport.close

    def close(self: ParamikoTransport) -> None:
        # scrapli closes the socket under paramiko's running transport thread, which
        # then logs "Socket exception: Bad file descriptor"; stop the transport first.
        if self.session is not None:
            self.session.close()
        plain_close(self)

    ParamikoTransport.close = close  # type: ignore[method-assign]


_mend_scrapli_paramiko()
