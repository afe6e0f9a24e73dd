#!/bin/sh
# Entry point of the jaeger stand-in: the binary with the caller's arguments, plus the UI's folder when
# the image carries one (the official binary embeds its UI; this one serves it from disk).
set -e
if [ -f /cmd/jaeger/ui/index.html ]; then
  exec /cmd/jaeger/jaeger "$@" --set=extensions.jaeger_query.ui.assets_path=/cmd/jaeger/ui
fi
exec /cmd/jaeger/jaeger "$@"
