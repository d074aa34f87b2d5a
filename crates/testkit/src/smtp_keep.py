# An SMTP server that keeps what it receives, for Baton's tests: aiosmtpd
# (PyPI) on 127.0.0.1:PORT, each message written whole to DIR as one file
# (renamed into place, so a reader never sees half a message), with the
# envelope's recipients as an X-Rcpt-To header. A recipient whose local part
# starts with "nobody" is refused for good (550), as a real server refuses
# an unknown user. Prints "ready" once it accepts connections; stops when
# its standard input closes.
import itertools
import os
import sys
import uuid

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, directory):
        self.directory = directory
        self.count = itertools.count()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].startswith("nobody"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = "%s-%06d" % (uuid.uuid4().hex, next(self.count))
        tmp = os.path.join(self.directory, "." + name)
        with open(tmp, "wb") as f:
            f.write(("X-Rcpt-To: %s\r\n" % ",".join(envelope.rcpt_tos)).encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.directory, name + ".eml"))
        return "250 Message accepted for delivery"


directory, port = sys.argv[1], int(sys.argv[2])
controller = Controller(Keep(directory), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
