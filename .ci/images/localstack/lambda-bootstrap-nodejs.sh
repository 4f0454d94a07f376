#!/bin/sh
# As AWS's nodejs runtime: the runtime interface client, given the function's handler.
exec /usr/local/bin/node /var/runtime/node_modules/aws-lambda-ric/index.mjs "$_HANDLER"
