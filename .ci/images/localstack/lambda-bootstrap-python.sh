#!/bin/sh
# As AWS's python runtime: the runtime interface client, given the function's handler.
exec /var/lang/bin/python3 -m awslambdaric "$_HANDLER"
