#!/bin/sh
# Entry point of the node stand-in, as the official image documents it: a first argument that is an
# option, or no command on PATH, or a plain (not executable) file, is run by node.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
